// Payment page: countdown to expiry, and the page state follows the live status fragment.
(function () {
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var box = document.querySelector(".pay-countdown");
    if (!box) return;
    var left = Math.floor((Date.parse(box.dataset.expires) - Date.now()) / 1000);
    var clock = box.querySelector(".pay-clock");
    if (left <= 0) { box.classList.add("is-over"); box.textContent = box.dataset.labelExpired; return; }
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    clock.textContent = (h ? h + ":" + pad(m) : m) + ":" + pad(s);
    setTimeout(tick, 1000);
  }
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", function (event) {
    var status = event.target.querySelector("[data-status]");
    if (status) document.body.dataset.live = status.dataset.status;
  });
})();
