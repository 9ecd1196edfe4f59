"""The affiliates' short links, public (no sign-in): /a/<shop>/<code>/[<post>/] counts the click
and sends the visitor through Discord's sign-in to the post; /a/callback/ is where Discord sends
them back. Thin: affiliates.links decides (its docstring says why it works this way)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET

from affiliates import discord_identity, links

log = logging.getLogger(__name__)


def _callback_uri() -> str:
    return settings.PUBLIC_URL.rstrip("/") + reverse("portal:affiliate_link_callback")


def _no_store(response: HttpResponse) -> HttpResponse:
    # Every click must reach us: a cached redirect would skip the count and the sign-in.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_GET
def affiliate_link(request: HttpRequest, slug: str, code: str,
                   post_id: int | None = None) -> HttpResponse:
    target = links.target_find(slug=slug, code=code, post_id=post_id)
    if target is None:
        raise Http404
    links.click_record(target=target, address=request.META.get("REMOTE_ADDR", ""),
                       user_agent=request.headers.get("User-Agent", ""),
                       purpose=request.headers.get("Sec-Purpose", "")
                       or request.headers.get("Purpose", ""))
    if links.is_bot(user_agent=request.headers.get("User-Agent", "")) \
            or not discord_identity.configured():
        return _no_store(HttpResponseRedirect(target.discord_url))
    return _no_store(HttpResponseRedirect(discord_identity.authorize_url(
        redirect_uri=_callback_uri(), state=links.state_make(target))))


@require_GET
def affiliate_link_callback(request: HttpRequest) -> HttpResponse:
    target = links.state_read(request.GET.get("state", ""))
    if target is None:
        raise Http404  # not a link of ours, or too old to trust
    code = request.GET.get("code", "")
    if code and discord_identity.configured():
        try:
            user_id = discord_identity.user_id_for_code(code=code, redirect_uri=_callback_uri())
        except discord_identity.IdentityError as exc:
            log.warning("affiliate link: Discord did not identify the visitor: %s", exc)
        else:
            links.visit_record(target=target, discord_user_id=user_id)
    # Declined, or Discord failed: they still get to the post (only the attribution is lost).
    return _no_store(HttpResponseRedirect(target.discord_url))
