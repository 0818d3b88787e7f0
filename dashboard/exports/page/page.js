(function () {
  'use strict';
  const DATA = JSON.parse(document.getElementById('conflictmap-data').textContent);
  const CONFIG = DATA.plotConfig;  // dashboard/plotconfig.py: no outbound modebar button
  const UNCERTAINTY = ['story-halo', 'story-area-fill', 'story-area-line', 'story-corridor'];
  const mapEl = document.getElementById('map');
  const tlEl = document.getElementById('timeline');
  const hidden = new Set();
  const baseFilters = {};
  let current = DATA.start || 0;
  let selected = null;
  let spriteImage = null;
  const style = Object.assign({}, DATA.style);
  delete style.sprite;  // icons come from the inlined sprite below, as MapLibre asks for them

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function clone(x) { return JSON.parse(JSON.stringify(x)); }
  function mapOf() {
    const full = mapEl._fullLayout;
    return full && full.map && full.map._subplot ? full.map._subplot.map : null;
  }

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

  // The sprite's icons, handed to MapLibre when a layer asks for one (a page on disk cannot fetch a sprite).
  function iconData(id) {
    const spec = DATA.sprite.index[id];
    if (!spec || !spriteImage) return null;
    const canvas = document.createElement('canvas');
    canvas.width = spec.width; canvas.height = spec.height;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(spriteImage, spec.x, spec.y, spec.width, spec.height, 0, 0, spec.width, spec.height);
    return {data: ctx.getImageData(0, 0, spec.width, spec.height), pixelRatio: spec.pixelRatio || 1};
  }
  function watchMap() {
    const map = mapOf();
    if (!map || map.__conflictmap) return;
    map.__conflictmap = true;
    // plotly's own resolver would fetch missing icons from a CDN; ours answers from the page.
    map.setMissingStyleImageResolver((id) => {
      const icon = iconData(id);
      if (icon && !map.hasImage(id)) map.addImage(id, icon.data, {pixelRatio: icon.pixelRatio, sdf: true});
      return Promise.resolve();
    });
  }

  function showUncertainty(keys) {
    const map = mapOf();
    if (!map || !map.isStyleLoaded()) return;
    for (const layer of UNCERTAINTY) {
      if (!map.getLayer(layer)) continue;
      if (!(layer in baseFilters)) baseFilters[layer] = map.getFilter(layer);
      const only = ['in', ['get', 'key'], ['literal', keys || []]];
      map.setFilter(layer, baseFilters[layer] ? ['all', baseFilters[layer], only] : only);
    }
  }
  let emphasised = [];
  function emphasisePlaces(id) {
    const map = mapOf();
    if (!map || !map.isStyleLoaded()) return;
    const want = id ? (DATA.placeKeys[id] || []) : [];
    for (const k of emphasised.concat(want)) {
      for (const source of ['story-points', 'story-areas']) {
        try { map.setFeatureState({source: source, id: k}, {emphasis: want.indexOf(k) >= 0}); } catch (e) { /* loading */ }
      }
    }
    emphasised = want;
  }

  function idOf(point) {
    const c = point.customdata;
    const id = Array.isArray(c) ? c[0] : c;
    return (typeof id === 'string' && Object.prototype.hasOwnProperty.call(DATA.events, id)) ? id : null;
  }

  function applyFilter() {
    for (const gd of [mapEl, tlEl]) {
      const idx = [], vis = [];
      gd.data.forEach((tr, i) => {
        if (typeof tr.legendgroup === 'string' && tr.legendgroup) { idx.push(i); vis.push(!hidden.has(tr.legendgroup)); }
      });
      if (idx.length) Plotly.restyle(gd, {visible: vis}, idx);
    }
    if (selected && hidden.has(DATA.events[selected].primary_faction)) select(null);
  }

  function drawnPoint(gd, id) {
    for (const tr of gd.data) {
      if (tr.meta !== 'events' || !tr.customdata) continue;
      const k = tr.customdata.indexOf(id);
      if (k < 0) continue;
      return tr.type === 'scattermap' ? {lat: [tr.lat[k]], lon: [tr.lon[k]]} : {x: [tr.x[k]], y: [tr.y[k]]};
    }
    return null;
  }

  function ring(gd, id) {
    const t = gd.data.findIndex(tr => tr.meta === 'selected');
    if (t < 0) return false;
    const where = id ? drawnPoint(gd, id) : null;
    const geo = gd.data[t].type === 'scattermap';
    const pos = where || (geo ? {lat: [null], lon: [null]} : {x: [null], y: [null]});
    const update = {customdata: [[id]]};
    for (const k of Object.keys(pos)) update[k] = [pos[k]];
    Plotly.restyle(gd, update, [t]);
    return where !== null;
  }

  function select(id) {
    selected = id;
    document.body.dataset.selected = id || '';
    document.body.dataset.selectedOnMap = String(ring(mapEl, id));
    document.body.dataset.selectedOnTimeline = String(ring(tlEl, id));
    emphasisePlaces(id);
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
      values.forEach((v, i) => {
        if (v === null || v === undefined || v === '') return;
        if (i) dd.appendChild(document.createElement('br'));
        dd.appendChild(i ? el('small', v, 'basis') : document.createTextNode(v));
      });
      dl.appendChild(dd);
    }
    item('When', ev.date_text, 'Date basis: ' + ev.date_basis);
    item('Type', ev.type_label + (ev.sub_type ? ' — ' + ev.sub_type : ''));
    item('Where', ev.place_text + (ev.place_name && ev.place_precision_text ? ' — ' + ev.place_precision_text : ''),
         ev.map_lat !== null && ev.map_lat !== undefined
           ? ev.map_lat.toFixed(4) + ', ' + ev.map_lon.toFixed(4) + (ev.map_radius_km ? ' ± ' + Math.round(ev.map_radius_km) + ' km' : '')
           : 'not on the map',
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
      if (s.quote) div.appendChild(el('blockquote', s.quote, 'quote'));
      div.appendChild(el('p', s.publisher + ', “' + s.doc_title + '”, ' + s.published +
                         (s.paragraph ? ', paragraph ' + s.paragraph : ''), 'cite'));
      if (s.note) div.appendChild(el('p', s.note, 'basis'));
      box.appendChild(div);
    }
    box.appendChild(el('p', 'Event id: ' + id, 'event-id'));
  }

  function onClick(ev) {
    for (const p of (ev && ev.points) || []) {
      if (p.data && p.data.meta === 'events') { const id = idOf(p); if (id) { select(id); return; } }
    }
  }

  function fit(v, animate) {
    const map = mapOf();
    if (!map || !v.bounds) return;
    let [w, s, e, n] = v.bounds;
    if (e - w < 0.05) { w -= 0.05; e += 0.05; }
    if (n - s < 0.05) { s -= 0.05; n += 0.05; }
    map.fitBounds([[w, s], [e, n]], {padding: 60, maxZoom: 9, duration: animate ? 500 : 0}, {originalEvent: {type: 'fit'}});
  }

  function show(k) {
    current = Math.max(0, Math.min(DATA.views.length - 1, k));
    const v = DATA.views[current];
    const m = clone(v.map), t = clone(v.timeline);
    m.layout.map.style = style;
    Object.assign(m.layout, {margin: {l: 0, r: 0, t: 0, b: 0}, showlegend: false, hovermode: 'closest',
                             dragmode: 'pan', uirevision: 'view-' + current});
    const drawn = Promise.all([Plotly.react(mapEl, m.data, m.layout, CONFIG.map), Plotly.react(tlEl, t.data, t.layout, CONFIG.timeline)]);
    watchMap();  // the map exists as soon as plotly starts drawing: catch its first icon requests
    drawn.then(() => {
      watchMap();
      document.getElementById('step-label').textContent = v.label;
      const text = document.getElementById('step-text');
      text.replaceChildren();
      for (const para of (v.text || '').split(/\n\n+/)) if (para) text.appendChild(el('p', para));
      document.getElementById('prev-step').disabled = current === 0;
      document.getElementById('next-step').disabled = current === DATA.views.length - 1;
      showUncertainty(v.keys);
      fit(v, current !== DATA.start);
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
  spriteImage = new Image();
  spriteImage.onload = () => {
    show(current);
    mapEl.on('plotly_click', onClick);
    tlEl.on('plotly_click', onClick);
  };
  spriteImage.src = DATA.sprite.png;
})();
