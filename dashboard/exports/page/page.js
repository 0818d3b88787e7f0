(function () {
  'use strict';
  const DATA = JSON.parse(document.getElementById('conflictmap-data').textContent);
  const CONFIG = {responsive: true, displaylogo: false, scrollZoom: true, topojsonURL: './'};
  const mapEl = document.getElementById('map');
  const tlEl = document.getElementById('timeline');
  const hidden = new Set();
  let current = DATA.start || 0;
  let selected = null;

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function clone(x) { return JSON.parse(JSON.stringify(x)); }

  document.getElementById('page-title').textContent = DATA.title;
  document.getElementById('page-summary').textContent = DATA.summary || '';
  const footer = document.getElementById('attribution');
  for (const line of DATA.attribution) footer.appendChild(el('p', line));

  const filter = document.getElementById('faction-filter');
  for (const f of DATA.factions) {
    const label = el('label');
    const box = document.createElement('input');
    box.type = 'checkbox'; box.checked = true; box.id = 'faction-' + f.id; box.value = f.id;
    box.addEventListener('change', () => { if (box.checked) hidden.delete(f.id); else hidden.add(f.id); applyFilter(); });
    const sw = el('span', null, 'swatch'); sw.style.background = f.colour;
    label.appendChild(box); label.appendChild(sw); label.appendChild(document.createTextNode(f.name));
    filter.appendChild(label);
  }

  function ringTrace(kind) {
    const base = {mode: 'markers', hoverinfo: 'skip', showlegend: false, meta: 'cm-ring',
                  marker: {size: 32, symbol: 'circle-open', color: '#1b1b1b', line: {width: 3, color: '#1b1b1b'}}};
    if (kind === 'geo') return Object.assign(base, {type: 'scattergeo', lat: [null], lon: [null]});
    return Object.assign(base, {type: 'scatter', x: [null], y: [null]});
  }

  function idOf(point) {
    const c = point.customdata;
    const id = Array.isArray(c) ? c[0] : c;
    return (typeof id === 'string' && Object.prototype.hasOwnProperty.call(DATA.events, id)) ? id : null;
  }

  function traceFactions(gd) { return gd === mapEl ? DATA.views[current].mapFactions : DATA.views[current].timelineFactions; }

  function applyFilter() {
    for (const gd of [mapEl, tlEl]) {
      const factions = traceFactions(gd);
      const idx = [], vis = [];
      factions.forEach((f, i) => { if (f) { idx.push(i); vis.push(!hidden.has(f)); } });
      if (idx.length) Plotly.restyle(gd, {visible: vis}, idx);
    }
    if (selected && hidden.has(DATA.events[selected].primary_faction)) select(null);
  }

  function highlight(gd, id) {
    const idx = [], sp = [];
    let where = null;
    gd.data.forEach((tr, i) => {
      if (tr.meta !== 'events') return;
      const k = id ? (tr.customdata || []).indexOf(id) : -1;
      idx.push(i); sp.push(id ? (k >= 0 ? [k] : []) : null);
      if (k >= 0) where = tr.type === 'scattergeo' ? {lat: [tr.lat[k]], lon: [tr.lon[k]]} : {x: [tr.x[k]], y: [tr.y[k]]};
    });
    if (idx.length) Plotly.restyle(gd, {selectedpoints: sp}, idx);
    const ring = gd.data.findIndex(tr => tr.meta === 'cm-ring');
    if (ring >= 0) {
      const geo = gd.data[ring].type === 'scattergeo';
      const pos = where || (geo ? {lat: [null], lon: [null]} : {x: [null], y: [null]});
      const update = {};
      for (const k of Object.keys(pos)) update[k] = [pos[k]];
      Plotly.restyle(gd, update, [ring]);
    }
    return where !== null;
  }

  function select(id) {
    selected = id;
    document.body.dataset.selected = id || '';
    const onMap = highlight(mapEl, id);
    const onTl = highlight(tlEl, id);
    document.body.dataset.selectedOnMap = String(onMap);
    document.body.dataset.selectedOnTimeline = String(onTl);
    renderDetails(id);
  }

  function renderDetails(id) {
    const box = document.getElementById('details');
    box.replaceChildren();
    if (!id) { box.appendChild(el('p', 'Click an event on the map or the timeline to see its details and sources.', 'detail-empty')); return; }
    const ev = DATA.events[id];
    box.appendChild(el('h2', ev.title)).id = 'detail-title';
    const dl = el('dl', null, 'facts');
    function item(label, ...values) {
      dl.appendChild(el('dt', label));
      const dd = el('dd');
      values.forEach((v, i) => { if (v === null || v === undefined || v === '') return; if (i) dd.appendChild(document.createElement('br')); dd.appendChild(i ? el('small', v, 'basis') : document.createTextNode(v)); });
      dl.appendChild(dd);
    }
    item('When', ev.date_text, 'Date basis: ' + ev.date_basis);
    item('Type', ev.type_label + (ev.sub_type ? ' — ' + ev.sub_type : ''));
    item('Where', ev.place_text + (ev.place_name && ev.place_precision_text ? ' — ' + ev.place_precision_text : ''),
         ev.map_lat !== null && ev.map_lat !== undefined ? ev.map_lat.toFixed(4) + ', ' + ev.map_lon.toFixed(4) + (ev.map_radius_km ? ' ± ' + Math.round(ev.map_radius_km) + ' km' : '') : 'not on the map',
         ev.place_note);
    dl.appendChild(el('dt', 'Who'));
    const ul = el('ul', null, 'actors');
    for (const a of ev.actors) ul.appendChild(el('li', a.name + ' (' + a.role + ')'));
    const dd = el('dd'); dd.appendChild(ul); dl.appendChild(dd);
    item('Confidence', ev.confidence);
    box.appendChild(dl);
    box.appendChild(el('p', ev.description, 'description'));
    box.appendChild(el('h3', 'Sources'));
    for (const s of ev.sources) {
      const div = el('div', null, 'source');
      div.appendChild(el('blockquote', s.quote, 'quote'));
      div.appendChild(el('p', s.publisher + ', “' + s.doc_title + '”, ' + s.published + ', paragraph ' + s.paragraph, 'cite'));
      if (s.note) div.appendChild(el('p', s.note, 'basis'));
      box.appendChild(div);
    }
    box.appendChild(el('p', 'Event id: ' + id, 'event-id'));
  }

  function onClick(ev) {
    for (const p of (ev && ev.points) || []) { const id = idOf(p); if (id) { select(id); return; } }
  }

  function show(k) {
    current = Math.max(0, Math.min(DATA.views.length - 1, k));
    const v = DATA.views[current];
    const m = clone(v.map), t = clone(v.timeline);
    m.data.push(ringTrace('geo')); t.data.push(ringTrace('xy'));
    v.mapFactions.length = m.data.length - 1; v.timelineFactions.length = t.data.length - 1;
    Promise.all([Plotly.react(mapEl, m.data, m.layout, CONFIG), Plotly.react(tlEl, t.data, t.layout, CONFIG)]).then(() => {
      document.getElementById('step-label').textContent = v.label;
      const text = document.getElementById('step-text');
      text.replaceChildren();
      for (const para of (v.text || '').split(/\n\n+/)) if (para) text.appendChild(el('p', para));
      document.getElementById('prev-step').disabled = current === 0;
      document.getElementById('next-step').disabled = current === DATA.views.length - 1;
      applyFilter();
      select(v.event && DATA.events[v.event] ? v.event : null);
      document.body.dataset.view = String(current);
      document.body.dataset.ready = 'true';
    });
  }

  if (DATA.views.length > 1) {
    document.getElementById('steps').hidden = false;
    document.getElementById('prev-step').addEventListener('click', () => show(current - 1));
    document.getElementById('next-step').addEventListener('click', () => show(current + 1));
  }
  show(current);
  mapEl.on('plotly_click', onClick);
  tlEl.on('plotly_click', onClick);
})();
