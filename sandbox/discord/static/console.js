const $ = (s) => document.querySelector(s);
let world = null, current = null;
async function api(method, path, body) {
  const r = await fetch(path, {method, headers: {'Content-Type': 'application/json'},
                               body: body ? JSON.stringify(body) : undefined});
  const data = await r.json();
  if (!r.ok) { alert(JSON.stringify(data)); throw data; }
  return data;
}
const el = (tag, props = {}, ...kids) => {
  const e = Object.assign(document.createElement(tag), props);
  kids.forEach(k => e.append(k)); return e;
};
const guild = () => world.guilds.find(g => g.id === $('#guild').value);
const user = () => $('#user').value;
async function loadWorld() {
  world = await api('GET', '/_sandbox/state');
  const keep = [$('#guild').value, $('#user').value];
  $('#guild').replaceChildren(...world.guilds.map(g => el('option', {value: g.id, textContent: g.name})));
  $('#user').replaceChildren(...world.users.map(u =>
    el('option', {value: u.id, textContent: (u.global_name || u.username) + ' @' + u.username})));
  if (keep[0]) $('#guild').value = keep[0];
  if (keep[1]) $('#user').value = keep[1];
  renderChannels(); renderCommands();
}
function renderChannels() {
  const g = guild(); if (!g) return;
  const items = g.channels.filter(c => c.type === 0).map(c => ({id: c.id, name: '# ' + c.name}));
  g.threads.filter(t => t.type === 11 || t.thread_member_ids.includes(user()))
    .forEach(t => items.push({id: t.id, name: '🔒 ' + t.name}));
  items.push({id: 'dm', name: '✉ Direct messages'});
  if (!current || !items.some(i => i.id === current)) current = items[0].id;
  $('#channels').replaceChildren(...items.map(i => el('div', {
    className: 'ch' + (i.id === current ? ' on' : ''), textContent: i.name,
    onclick: () => { current = i.id; renderChannels(); refresh(); }})));
}
function renderCommands() {
  const g = guild(); if (!g) return;
  const cmds = world.applications.filter(a => g.apps.includes(a.id))
    .flatMap(a => a.commands.filter(c => !c.guild_id || c.guild_id === g.id)
    .map(c => ({app: a.id, cmd: c})));
  $('#command').replaceChildren(...cmds.map((c, i) =>
    el('option', {value: i, textContent: '/' + c.cmd.name + ' — ' + c.cmd.description})));
  $('#command').cmds = cmds; renderOptions();
}
function renderOptions() {
  const c = ($('#command').cmds || [])[$('#command').value];
  $('#options').replaceChildren(...((c && c.cmd.options) || []).map(o =>
    Object.assign(el('input', {placeholder: o.name + (o.required ? ' *' : ''), name: o.name}),
                  {optionType: o.type})));
}
async function runCommand() {
  const c = $('#command').cmds[$('#command').value]; if (!c) return;
  const options = {};
  $('#options').querySelectorAll('input').forEach(i => {
    if (i.value === '') return;
    const t = i.optionType;
    options[i.name] = t === 4 || t === 10 ? Number(i.value) : t === 5 ? i.value === 'true' : i.value;
  });
  const r = await api('POST', '/_sandbox/interactions/command',
    {app_id: c.app, channel_id: current === 'dm' ? null : current, dm: current === 'dm',
     user_id: user(), name: c.cmd.name, options});
  watch(r.id);
}
async function click(m, custom_id, values) {
  const r = await api('POST', '/_sandbox/interactions/component',
    {channel_id: m.channel_id, message_id: m.id, user_id: user(), custom_id, values});
  watch(r.id);
}
async function watch(id) {
  const r = await api('GET', `/_sandbox/interactions/${id}?wait=5`);
  if (r.response && r.response.type === 9) showModal(id, r.response.data);
  refresh();
}
function walkInputs(comps, out) {
  (comps || []).forEach(c => {
    if (c.type === 1) walkInputs(c.components, out);
    else if (c.type === 18) { c.component.label = c.component.label || c.label; walkInputs([c.component], out); }
    else if (c.type === 4) out.push(c);
  }); return out;
}
function showModal(id, data) {
  const inputs = walkInputs(data.components, []);
  const fields = inputs.map(i => el('input', {name: i.custom_id, placeholder: i.label || i.custom_id,
                                              value: i.value || ''}));
  const send = el('button', {textContent: 'Submit', onclick: async () => {
    const values = {}; fields.forEach(f => values[f.name] = f.value);
    $('#modal').style.display = 'none';
    const r = await api('POST', `/_sandbox/interactions/${id}/modal`, {values}); watch(r.id);
  }});
  $('#modal').replaceChildren(el('b', {textContent: data.title || 'Form'}), ...fields, send);
  $('#modal').style.display = 'block';
}
function renderEmbed(e) {
  const box = el('div', {className: 'embed'});
  if (e.color) box.style.borderLeftColor = '#' + e.color.toString(16).padStart(6, '0');
  if (e.author) box.append(el('div', {textContent: e.author.name}));
  if (e.title) box.append(el('div', {className: 'author', textContent: e.title}));
  if (e.description) box.append(el('div', {textContent: e.description}));
  (e.fields || []).forEach(f => box.append(el('div', {className: 'field'},
    el('div', {className: 'fname', textContent: f.name}), el('div', {textContent: f.value}))));
  if (e.thumbnail) box.append(el('img', {src: e.thumbnail.url}));
  if (e.image) box.append(el('img', {src: e.image.url}));
  if (e.footer) box.append(el('small', {textContent: e.footer.text}));
  return box;
}
function renderComponents(m, comps, box) {
  (comps || []).forEach(c => {
    if (c.type === 1 || c.type === 17) {
      const row = el('div'); renderComponents(m, c.components, row); box.append(row);
    } else if (c.type === 2 && c.style === 5) {
      box.append(el('a', {href: c.url, target: '_blank', textContent: c.label + ' ↗'}));
    } else if (c.type === 2) {
      box.append(el('button', {className: 's' + c.style, textContent: c.label || '…',
        disabled: !!c.disabled, onclick: () => click(m, c.custom_id)}));
    } else if (c.type === 3) {
      const sel = el('select', {multiple: (c.max_values || 1) > 1},
        ...c.options.map(o => el('option', {value: o.value, textContent: o.label})));
      box.append(sel, el('button', {textContent: c.placeholder || 'Choose', disabled: !!c.disabled,
        onclick: () => click(m, c.custom_id, [...sel.selectedOptions].map(o => o.value))}));
    } else if (c.type === 10) {
      box.append(el('div', {textContent: c.content}));
    }
  });
}
function visible(m) {
  if (!(m.flags & 64)) return true;
  return m.interaction_metadata && m.interaction_metadata.user.id === user();
}
async function refresh() {
  if (!world || !current) return;
  const msgs = current === 'dm' ? await api('GET', `/_sandbox/users/${user()}/dms`)
                                : await api('GET', `/_sandbox/channels/${current}/messages`);
  const log = $('#log'), atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 20;
  log.replaceChildren(...msgs.filter(visible).map(m => {
    const head = el('div', {}, el('span', {className: 'author',
      textContent: m.author.global_name || m.author.username}));
    if (m.author.bot) head.append(el('span', {className: 'bot', textContent: 'APP'}));
    if (m.flags & 64) head.append(el('span', {className: 'eph', textContent: ' · only you can see this'}));
    const box = el('div', {className: 'msg'}, head);
    if (m.flags & 128) box.append(el('i', {textContent: 'is thinking…'}));
    if (m.content) box.append(el('div', {textContent: m.content}));
    m.embeds.forEach(e => box.append(renderEmbed(e)));
    m.attachments.forEach(a => box.append(el('div', {className: 'att'},
      (a.content_type || '').startsWith('image/') ? el('img', {src: a.url})
                                                   : el('a', {href: a.url, textContent: a.filename}))));
    renderComponents(m, m.components, box);
    return box;
  }));
  if (atBottom) log.scrollTop = log.scrollHeight;
}
async function say() {
  if (current === 'dm' || !$('#text').value) return;
  await api('POST', `/_sandbox/channels/${current}/messages`, {user_id: user(), content: $('#text').value});
  $('#text').value = ''; refresh();
}
$('#guild').onchange = () => { current = null; renderChannels(); renderCommands(); refresh(); };
$('#user').onchange = () => { renderChannels(); refresh(); };
$('#command').onchange = renderOptions;
$('#run').onclick = runCommand; $('#say').onclick = say;
loadWorld().then(refresh);
setInterval(refresh, 1500); setInterval(loadWorld, 5000);
