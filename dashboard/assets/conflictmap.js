// conflictmap in the browser: what must answer in milliseconds, without the server.
//
// - Selection: a click on an event (map, timeline or list) or Escape changes the URL's `event`
//   parameter; the URL stays the single source of truth and Dash derives the rest from it.
// - Emphasis: the selected event's ring on both views, its list row, and its place's outline
//   follow the selection here; hover draws rings over both views without redrawing either.
// - Camera: the map moves only when asked (Fit, a briefing step, a place search, a cluster
//   click). Moves are marked as the analyst's own, so plotly keeps them through every update.
(function () {
  "use strict";

  var NO_UPDATE = { _dash_no_update: "_dash_no_update" };
  function noUpdate() {
    return (window.dash_clientside && window.dash_clientside.no_update) || NO_UPDATE;
  }
  // An element holding ``text`` as text (never parsed as HTML).
  function textElement(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    el.textContent = text;
    return el;
  }
  // plotly records camera moves that carry an originalEvent as the user's (uirevision keeps them).
  var ANALYST = { originalEvent: { type: "conflictmap" } };
  var UNCERTAINTY_LAYERS = ["story-halo", "story-area-fill", "story-area-line", "story-corridor"];
  var state = { lastToken: null, zoomBucket: null, viewInfo: null, hovered: null, selected: null,
                emphasised: [], baseFilters: {}, syncing: false, attached: new WeakSet(), maps: new WeakSet(),
                boxMeasured: false };

  function graph(id) { return document.querySelector("#" + id + " .js-plotly-plot"); }
  function mapOf() {
    var gd = graph("map");
    var full = gd && gd._fullLayout;
    return full && full.map && full.map._subplot ? full.map._subplot.map : null;
  }
  // fn(map) once plotly's map passes ready(map), asked every `every` ms, at most `most` times.
  function whenMap(ready, every, most, fn, tries) {
    var map = mapOf();
    if (map && ready(map)) { fn(map); return; }
    if ((tries || 0) > most) return;
    setTimeout(function () { whenMap(ready, every, most, fn, (tries || 0) + 1); }, every);
  }
  function whenMapReady(fn) {
    whenMap(function (map) { return map.isStyleLoaded && map.isStyleLoaded(); }, 50, 200, fn);
  }
  // As soon as plotly has made the map, before its style and tiles load (a camera needs neither).
  function whenMapMade(fn) {
    whenMap(function () { return true; }, 5, 2000, fn);
  }

  // ------------------------------------------------------------------ the URL

  function setParam(name, value) {
    var params = new URLSearchParams(window.location.search);
    if (value === null || value === undefined || value === "") params.delete(name);
    else params.set(name, value);
    var search = params.toString();
    var url = window.location.pathname + (search ? "?" + search : "") + window.location.hash;
    if (url === window.location.pathname + window.location.search + window.location.hash) return;
    window.history.pushState({}, "", url);
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));  // dcc.Location listens for this
  }
  function select(id) { setParam("event", id || null); }

  // ------------------------------------------------------------------ where an event is drawn

  function drawnPoint(gd, id) {
    if (!gd || !gd.data || !id) return null;
    for (var t = 0; t < gd.data.length; t++) {
      var tr = gd.data[t];
      if (tr.meta !== "events" || !tr.customdata) continue;
      var k = tr.customdata.indexOf(id);
      if (k < 0) continue;
      if (tr.type === "scattermap") return { lat: tr.lat[k], lon: tr.lon[k] };
      return { x: tr.x[k], y: tr.y[k] };
    }
    return null;
  }
  function traceIndex(gd, meta) {
    if (!gd || !gd.data) return -1;
    for (var t = 0; t < gd.data.length; t++) if (gd.data[t].meta === meta) return t;
    return -1;
  }
  function idOfPoint(point) {
    var cd = point && point.customdata;
    var id = Array.isArray(cd) ? cd[0] : cd;
    return typeof id === "string" ? id : null;
  }

  // ------------------------------------------------------------------ emphasis

  function placeKeys(ids) {
    var info = state.viewInfo;
    var out = [];
    if (!info || !info.placeKeys) return out;
    ids.forEach(function (id) { (info.placeKeys[id] || []).forEach(function (k) { out.push(k); }); });
    return out;
  }
  function setPlaceEmphasis() {
    var map = mapOf();
    if (!map || !map.isStyleLoaded()) return;
    var want = placeKeys([state.selected, state.hovered].filter(Boolean));
    state.emphasised.forEach(function (k) {
      if (want.indexOf(k) < 0) ["story-points", "story-areas"].forEach(function (source) {
        try { map.setFeatureState({ source: source, id: k }, { emphasis: false }); } catch (e) { /* not loaded */ }
      });
    });
    want.forEach(function (k) {
      ["story-points", "story-areas"].forEach(function (source) {
        try { map.setFeatureState({ source: source, id: k }, { emphasis: true }); } catch (e) { /* not loaded */ }
      });
    });
    state.emphasised = want;
  }
  // An import's bold labels follow the view (viewInfo.labelKeys: the places with most events shown);
  // the places a curated file lists without events (`reference`) stay.
  var LABEL_LAYERS = ["story-labels", "story-area-labels", "story-dots"];
  function labelOnly(map, keys) {
    LABEL_LAYERS.forEach(function (layer) {
      if (!map.getLayer(layer)) return;
      if (!(layer in state.baseFilters)) state.baseFilters[layer] = map.getFilter(layer);
      var base = state.baseFilters[layer];
      if (!keys) { map.setFilter(layer, base); return; }
      var only = ["any", ["==", ["get", "reference"], true], ["in", ["get", "key"], ["literal", keys]]];
      map.setFilter(layer, base ? ["all", base, only] : only);
    });
  }
  function showUncertaintyFor(map, keys) {
    UNCERTAINTY_LAYERS.forEach(function (layer) {
      if (!map.getLayer(layer)) return;
      if (!(layer in state.baseFilters)) state.baseFilters[layer] = map.getFilter(layer);
      var base = state.baseFilters[layer];
      var only = ["in", ["get", "key"], ["literal", keys || []]];
      map.setFilter(layer, base ? ["all", base, only] : only);
    });
  }

  function moveRing(gd, meta, id) {
    var t = traceIndex(gd, meta);
    if (t < 0) return;
    var p = drawnPoint(gd, id);
    var tr = gd.data[t];
    var map = tr.type === "scattermap";
    var update = map ? { lat: [[p ? p.lat : null]], lon: [[p ? p.lon : null]] }
                     : { x: [[p ? p.x : null]], y: [[p ? p.y : null]] };
    var now = map ? [tr.lat[0], tr.lon[0]] : [tr.x[0], tr.y[0]];
    var next = map ? [update.lat[0][0], update.lon[0][0]] : [update.x[0][0], update.y[0][0]];
    if (now[0] === next[0] && now[1] === next[1] && (tr.customdata || [])[0] === (id || null)) return;
    update.customdata = [[id || null]];
    window.Plotly.restyle(gd, update, [t]);
  }

  // Keep the selected event in sight when the lanes scroll under the date axis.
  function scrollLanesTo(gd, id) {
    var box = document.getElementById("lanes-scroll");
    var p = id ? drawnPoint(gd, id) : null;
    var full = gd._fullLayout;
    if (!box || !p || !full || !full.yaxis) return;
    var y = full.yaxis.d2p(p.y) + full.margin.t;
    if (y < box.scrollTop + 20 || y > box.scrollTop + box.clientHeight - 20) {
      box.scrollTop = Math.max(0, y - box.clientHeight / 2);
    }
  }

  function markListRow(id, scroll) {
    var list = document.getElementById("event-list");
    if (!list) return;
    var rows = list.querySelectorAll("[data-event-id]");
    for (var i = 0; i < rows.length; i++) {
      var on = rows[i].getAttribute("data-event-id") === id;
      rows[i].setAttribute("aria-selected", on ? "true" : "false");
      rows[i].classList.toggle("selected", on);
      if (on && scroll) rows[i].scrollIntoView({ block: "nearest" });
    }
  }

  // Hover: rings drawn as page elements over the views, so no figure is redrawn.
  function overlayRing(container, id) {
    var ring = container.querySelector(":scope > .hover-ring");
    if (!ring) {
      ring = document.createElement("div");
      ring.className = "hover-ring";
      container.appendChild(ring);
    }
    return ring;
  }
  function placeHoverRings() {
    var id = state.hovered;
    var mapGd = graph("map"), tlGd = graph("timeline");
    var map = mapOf();
    if (mapGd) {
      var ring = overlayRing(mapGd.parentElement);
      var p = id ? drawnPoint(mapGd, id) : null;
      if (p && map) {
        // An event outside the map is not ringed over whatever lies beyond it (the details, the
        // timeline): the ring stops at the map's edge, drawn as a pointer towards the event.
        var xy = map.project([p.lon, p.lat]);
        var box = mapGd.parentElement.getBoundingClientRect();
        var edge = 14;
        var x = Math.max(edge, Math.min(box.width - edge, xy.x)), y = Math.max(edge, Math.min(box.height - edge, xy.y));
        var outside = x !== xy.x || y !== xy.y;
        ring.classList.toggle("offscreen", outside);
        ring.style.setProperty("--towards", Math.atan2(xy.y - y, xy.x - x) + "rad");
        ring.title = outside ? "The event is off the map in this direction" : "";
        ring.style.left = x + "px"; ring.style.top = y + "px"; ring.style.display = "block";
      } else ring.style.display = "none";
    }
    if (tlGd) {
      var tring = overlayRing(tlGd.parentElement);
      var q = id ? drawnPoint(tlGd, id) : null;
      var full = tlGd._fullLayout;
      if (q && full && full.xaxis && full.yaxis) {
        var x = full.xaxis.d2p(q.x) + full.margin.l, y = full.yaxis.d2p(q.y) + full.margin.t;
        tring.style.left = x + "px"; tring.style.top = y + "px"; tring.style.display = "block";
      } else tring.style.display = "none";
    }
    var list = document.getElementById("event-list");
    if (list) {
      var rows = list.querySelectorAll("[data-event-id]");
      for (var i = 0; i < rows.length; i++) rows[i].classList.toggle("hovered", rows[i].getAttribute("data-event-id") === id);
    }
  }
  function hover(id) {
    if (state.hovered === id) return;
    state.hovered = id;
    placeHoverRings();
    setPlaceEmphasis();
  }

  // ------------------------------------------------------------------ camera

  // What sits on the map: the Key (open or folded), the Fit button and scale bar, plotly's toolbar.
  // A frame keeps the events clear of each: a corner element costs padding on the side where it is
  // cheaper (a tall Key pads the left, a wide toolbar the top).
  var FURNITURE = ["#map-key", "#map-overlay > *", "#map .modebar-container .modebar"];
  function framePadding(map) {
    return paddingIn(map.getContainer().getBoundingClientRect());
  }
  // The map's box and padding, measured before the first map is drawn (the graph's element):
  // the server lays the first markers out for the zoom frameMap will frame there.
  function mapBox() {
    var el = document.getElementById("map");
    if (!el) return null;
    var box = el.getBoundingClientRect();
    if (box.width < 50 || box.height < 50) return null;
    return { width: box.width, height: box.height, padding: paddingIn(box, true) };
  }
  // keyFolds: the Key is measured as frameMap will find it, folded when it covers too much
  // (foldKeyIfCovering runs before the first frame; its contents may still be arriving).
  function paddingIn(box, keyFolds) {
    var pad = Math.max(12, Math.min(40, Math.min(box.width, box.height) * 0.06));
    // Spread markers sit up to ~45 px from their place; a story label runs to one side of it, to the
    // right first (text-variable-anchor-offset in mapstyle.py), up to ~150 px.
    var padding = { top: pad + 40, bottom: pad + 40, left: pad + 45, right: pad + Math.min(150, box.width * 0.16) };
    FURNITURE.forEach(function (selector) {
      document.querySelectorAll(selector).forEach(function (el) {
        if (el.offsetParent === null) return;
        if (keyFolds && el.id === "map-key" && el.open && !document.querySelector(".briefing")) {
          el = el.querySelector("summary") || el;
        }
        var r = el.getBoundingClientRect();
        var left = r.left - box.left, right = box.right - r.right, top = r.top - box.top, bottom = box.bottom - r.bottom;
        if (r.width < 1 || r.height < 1 || left > box.width || right > box.width || top > box.height || bottom > box.height) return;
        var side = {};
        side[left < right ? "left" : "right"] = (left < right ? r.right - box.left : box.right - r.left) + 12;
        side[top < bottom ? "top" : "bottom"] = (top < bottom ? r.bottom - box.top : box.bottom - r.top) + 12;
        var horizontal = Object.keys(side).filter(function (k) { return k === "left" || k === "right"; })[0];
        var vertical = Object.keys(side).filter(function (k) { return k === "top" || k === "bottom"; })[0];
        var costH = side[horizontal] / box.width, costV = side[vertical] / box.height;
        var k = costH <= costV ? horizontal : vertical;
        padding[k] = Math.max(padding[k], side[k]);
      });
    });
    // Never more padding than the map has room for (MapLibre would refuse to move at all).
    var room = function (a, b, size) {
      var spare = size - 60;
      if (padding[a] + padding[b] > spare) {
        var f = spare / (padding[a] + padding[b]);
        padding[a] = Math.floor(padding[a] * f); padding[b] = Math.floor(padding[b] * f);
      }
    };
    room("left", "right", box.width); room("top", "bottom", box.height);
    return padding;
  }
  // Where a frame puts the camera: the bounds (widened to at least ~5 km) fitted inside the padding.
  function cameraForFrame(map, bounds) {
    if (!bounds) return null;
    var w = bounds[0], s = bounds[1], e = bounds[2], n = bounds[3];
    if (e - w < 0.05) { w -= 0.05; e += 0.05; }
    if (n - s < 0.05) { s -= 0.05; n += 0.05; }
    var camera = map.cameraForBounds([[w, s], [e, n]], { padding: framePadding(map), maxZoom: 9 });
    return camera ? { lon: camera.center.lng, lat: camera.center.lat, zoom: camera.zoom } : null;
  }
  // A camera move can be cut short (a figure update or a redraw mid-ease stops it where it is): once
  // the map is idle, a frame that did not arrive is finished with a jump, at most twice, and only then
  // is the frame said to be in place (data-framed on the map's element: a presenter's remote, the
  // screenshot script and the browser tests wait on it). A newer frame makes an older one give up.
  function settleOn(map, target, token, tries) {
    map.once("idle", function () {
      if (state.lastToken !== token) return;
      if (target && tries < 2 && !arrived(map, target)) {
        moveCamera(map, target, false);
        map.triggerRepaint();
        settleOn(map, target, token, tries + 1);
        return;
      }
      writeCameraHash(map);
      var el = document.getElementById("map");
      if (el) el.setAttribute("data-framed", token);
    });
    map.triggerRepaint();
  }
  function arrived(map, target) {
    var p = map.project([target.lon, target.lat]);
    var box = map.getContainer().getBoundingClientRect();
    return Math.abs(map.getZoom() - target.zoom) < 0.02 && Math.abs(p.x - box.width / 2) < 2 && Math.abs(p.y - box.height / 2) < 2;
  }
  // The camera in the link: #map=ZOOM/LAT/LON (as OpenStreetMap writes it), kept current with
  // replaceState, so a copied address reopens the same view; the query (filters, selection) is
  // untouched and the server never sees it.
  function cameraInHash() {
    var m = /(?:^#|&)map=(-?[0-9.]+)\/(-?[0-9.]+)\/(-?[0-9.]+)/.exec(window.location.hash || "");
    if (!m) return null;
    var camera = { zoom: parseFloat(m[1]), lat: parseFloat(m[2]), lon: parseFloat(m[3]) };
    if (!(isFinite(camera.zoom) && isFinite(camera.lat) && isFinite(camera.lon))) return null;
    if (camera.zoom < 0 || camera.zoom > 22 || Math.abs(camera.lat) > 85.06 || Math.abs(camera.lon) > 180) return null;
    return camera;
  }
  function writeCameraHash(map) {
    if (!state.cameraRestored) return;  // not before the first frame: the link's own camera comes first
    var c = map.getCenter();
    var hash = "#map=" + map.getZoom().toFixed(2) + "/" + c.lat.toFixed(5) + "/" + c.lng.toFixed(5);
    if (window.location.hash === hash) return;
    window.history.replaceState(window.history.state, "", window.location.pathname + window.location.search + hash);
    // dcc.Location keeps the href it last saw and, on the next change of the query, writes that href
    // back (undoing a step or a filter) when it differs from the address bar: tell it the new one.
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
  }
  // Dash's Location writes the URL from its own (older) idea of the hash when a filter changes it:
  // keep the camera's hash on every new history entry the page makes.
  (function keepCameraOnPush() {
    var push = window.history.pushState;
    window.history.pushState = function (data, title, url) {
      var map = state.cameraRestored ? mapOf() : null;
      if (map && typeof url === "string" && (url.indexOf("#") < 0 || /#map=[^#&]*$/.test(url))) {
        var c = map.getCenter();
        url = url.replace(/#map=[^#&]*$/, "") + "#map=" + map.getZoom().toFixed(2) + "/" + c.lat.toFixed(5) + "/" + c.lng.toFixed(5);
      }
      return push.call(window.history, data, title, url);
    };
  })();
  function moveCamera(map, camera, animate) {
    map.easeTo({ center: [camera.lon, camera.lat], zoom: camera.zoom, duration: animate ? 600 : 0 }, ANALYST);
  }

  function updateScaleBar(map) {
    var bar = document.getElementById("scale-bar");
    if (!bar) return;
    var lat = map.getCenter().lat;
    var metresPerPx = 40075016.686 * Math.cos(lat * Math.PI / 180) / (512 * Math.pow(2, map.getZoom()));
    var maxMetres = metresPerPx * 110;
    var pow = Math.pow(10, Math.floor(Math.log10(maxMetres)));
    var nice = [5, 2, 1].map(function (m) { return m * pow; }).find(function (v) { return v <= maxMetres; }) || pow;
    bar.style.width = Math.round(nice / metresPerPx) + "px";
    bar.textContent = nice >= 1000 ? (nice / 1000) + " km" : nice + " m";
  }

  function reportView(map, force) {
    var bucket = Math.round(map.getZoom() * 2) / 2;
    var info = state.viewInfo || {};
    var bounds = viewBounds(map);
    // Plotly's redraws call jumpTo, which fires moveend without moving: reporting an unchanged view
    // would redraw the markers, and so on for ever.
    var key = bounds.join(",");
    if (!force && bucket === state.zoomBucket && (!info.aggregated || key === state.viewBounds)) return;
    state.zoomBucket = bucket;
    state.viewBounds = key;
    if (window.dash_clientside && window.dash_clientside.set_props) {
      var covered = !force && markersCover(bucket, bounds);
      window.dash_clientside.set_props("map-view", { data: { zoom: bucket, bounds: bounds, covered: covered } });
    }
  }

  function viewBounds(map) {
    var b = map.getBounds();
    return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v) { return Math.round(v * 1e4) / 1e4; });
  }

  // Whether the markers on the map serve a view: laid out for its zoom, over every event of the view
  // (no markersBounds) or over an area holding it. The server then keeps them (views.marker_patch).
  function markersCover(bucket, bounds) {
    var gd = graph("map");
    var meta = (gd && gd.layout && gd.layout.meta) || {};
    if (meta.markersZoom !== bucket) return false;
    var area = meta.markersBounds;
    if (!area) return true;
    return bounds[0] >= area[0] && bounds[1] >= area[1] && bounds[2] <= area[2] && bounds[3] <= area[3];
  }

  // ------------------------------------------------------------------ wiring the views

  function attachMap(gd) {
    var map = mapOf();
    if (!map || state.maps.has(map)) return;
    state.maps.add(map);
    // Labels appear at once, not faded in over 300 ms: each fade redraws the whole map about 18 times,
    // and where WebGL is drawn in software (a locked-down laptop, a virtual machine, headless Chromium)
    // they cost a seventh of the CPU of the map's browser tests, where labels change with each zoom and
    // filter. plotly creates the map without MapLibre's `fadeDuration` option and MapLibre has no setter,
    // so its field is set (absent in another version: then the fade stays, nothing breaks).
    if (typeof map._fadeDuration === "number") map._fadeDuration = 0;
    // Every icon is in the app's sprite; plotly's fallback would fetch a missing one from a CDN.
    if (map.setMissingStyleImageResolver) map.setMissingStyleImageResolver(function () { return Promise.resolve(); });
    map.on("webglcontextlost", function () { console.warn("conflictmap: WebGL context lost"); });
    map.on("webglcontextrestored", function () { console.warn("conflictmap: WebGL context restored"); });
    map.on("move", function () { updateScaleBar(map); placeHoverRings(); });
    map.on("moveend", function () { reportView(map); writeCameraHash(map); });
    // Two redraws can cross (a filter's and a zoom's): when the markers on the map were laid out for
    // another zoom than the map's, ask again, once the map is idle.
    // The same when a render laid out around another camera than the map's now (a filter's answer that
    // arrived after a pan): the markers on the map do not cover the view, so ask for the view's.
    map.on("idle", function () {
      var gd = graph("map");
      var meta = (gd && gd.layout && gd.layout.meta) || {};
      if (meta.markersZoom === undefined || map.isMoving()) return;
      var bucket = Math.round(map.getZoom() * 2) / 2;
      if (meta.markersZoom !== bucket || !markersCover(bucket, viewBounds(map))) reportView(map, true);
    });
    map.on("click", function (e) {
      var pad = 6;
      var hits = map.queryRenderedFeatures([[e.point.x - pad, e.point.y - pad], [e.point.x + pad, e.point.y + pad]])
        .filter(function (f) { return f.layer && String(f.layer.id).indexOf("plotly-trace-layer") === 0; });
      if (!hits.length) select(null);  // a click on empty map clears the selection
    });
    var refresh = function () {
      if (state.viewInfo) showUncertaintyFor(map, state.viewInfo.keys);
      if (state.viewInfo) labelOnly(map, state.viewInfo.labelKeys);
      setPlaceEmphasis();
    };
    if (map.isStyleLoaded()) refresh();
    map.on("styledata", function () { if (map.isStyleLoaded()) refresh(); });
    updateScaleBar(map);
    state.zoomBucket = Math.round(map.getZoom() * 2) / 2;
    var drawn = function () {
      if (window.dash_clientside && window.dash_clientside.set_props) {
        window.dash_clientside.set_props("map-drawn", { data: true });
      }
    };
    if (map.loaded() && map.isStyleLoaded()) drawn(); else map.once("load", drawn);
  }

  function attach(id) {
    var gd = graph(id);
    if (!gd || !gd.on) return;
    if (id === "map") attachMap(gd);
    if (state.attached.has(gd)) return;
    state.attached.add(gd);
    gd.on("plotly_click", function (ev) {
      var p = ev && ev.points && ev.points[0];
      if (!p) return;
      if (p.data && p.data.meta === "cluster") {
        var map = mapOf();
        var z = Array.isArray(p.customdata) ? p.customdata[0] : null;
        // To where the badge comes apart (its expansion zoom), and at least one level in, so a click
        // always gets closer (a zoom laid out for a rounded level may be a little behind the map's).
        if (map && z) map.easeTo({ center: [p.lon, p.lat], zoom: Math.max(z, map.getZoom() + 1), duration: 500 }, ANALYST);
        return;
      }
      var eid = idOfPoint(p);
      if (eid && p.data && p.data.meta === "events") select(eid);
    });
    gd.on("plotly_hover", function (ev) {
      var p = ev && ev.points && ev.points[0];
      if (p && p.data && p.data.meta === "events") hover(idOfPoint(p));
    });
    gd.on("plotly_unhover", function () { hover(null); });
    if (id === "timeline" || id === "timeline-strip") {
      gd.on("plotly_relayout", function (ev) { syncRange(id, ev); });
    }
  }

  function syncRange(from, ev) {
    if (state.syncing || !ev) return;
    var other = graph(from === "timeline" ? "timeline-strip" : "timeline");
    if (!other) return;
    var update = {};
    if (ev["xaxis.range[0]"] !== undefined) update["xaxis.range"] = [ev["xaxis.range[0]"], ev["xaxis.range[1]"]];
    else if (ev["xaxis.range"]) update["xaxis.range"] = ev["xaxis.range"];
    else if (ev["xaxis.autorange"]) update["xaxis.autorange"] = true;
    if (!Object.keys(update).length) return;
    state.syncing = true;
    window.Plotly.relayout(other, update).then(function () { state.syncing = false; }, function () { state.syncing = false; });
  }

  // While MapLibre is still loading the style, plotly must not update the map: its update adds
  // sources at once and MapLibre throws ("Style is not done loading"). A first page load does
  // that: dcc.Graph resizes the new plot 100 ms later (the page settles around it) and plotly
  // re-plots. So the map subplot's update waits for the style when it must, then runs as asked.
  // It is installed on the subplot's prototype right after plotly creates the first map.
  function guardSubplot(gd) {
    var full = gd && gd._fullLayout;
    var subplot = full && full.map && full.map._subplot;
    var proto = subplot && Object.getPrototypeOf(subplot);
    if (!proto || proto.__conflictmapGuard || typeof proto.updateMap !== "function") return;
    proto.__conflictmapGuard = true;
    var update = proto.updateMap;
    proto.updateMap = function () {
      var self = this, args = arguments;
      if (self.map && self.map.style && !self.map.style._loaded) {
        self.map.once("style.load", function () { update.apply(self, args); });
        return undefined;
      }
      return update.apply(self, args);
    };
  }
  function guardMapUpdates() {
    var P = window.Plotly;
    if (!P || P.__conflictmapGuard) return;
    P.__conflictmapGuard = true;
    ["react", "newPlot"].forEach(function (name) {
      var fn = P[name];
      P[name] = function (gd) {
        var out = fn.apply(this, arguments);
        guardSubplot(typeof gd === "string" ? document.getElementById(gd) : gd);
        return out;
      };
    });
  }
  // plotly.js arrives with the first graph (Dash loads it lazily): install as soon as it is there.
  (function install(tries) {
    guardMapUpdates();
    if (!(window.Plotly && window.Plotly.__conflictmapGuard) && tries < 1000) {
      setTimeout(function () { install(tries + 1); }, 5);
    }
  })(0);

  // The Key starts folded wherever, open, it would cover more than a small corner of the map (every
  // desktop size in practice: 12-42% of it) or any event; the analyst opens it when they need it. In
  // presenter mode it is a strip below the map (style.css), which covers nothing and stays open.
  var KEY_CORNER = 0.06;
  function foldKeyIfCovering() {
    var key = document.getElementById("map-key");
    var gd = graph("map");
    if (!key || !gd || !gd._fullLayout) return;
    if (document.querySelector(".briefing") && window.innerWidth > 720) {  // the strip: always open
      if (!key.open) key.open = true;
      key.dataset.sized = "";
      return;
    }
    if (key.dataset.sized) return;  // once per page: after that the Key is the analyst's to open or fold
    key.dataset.sized = "1";
    if (!key.open) return;
    var k = key.getBoundingClientRect(), m = gd.getBoundingClientRect();
    var w = Math.max(0, Math.min(k.right, m.right) - Math.max(k.left, m.left));
    var h = Math.max(0, Math.min(k.bottom, m.bottom) - Math.max(k.top, m.top));
    if (window.innerWidth <= 720 || (w * h) / Math.max(1, m.width * m.height) > KEY_CORNER) key.open = false;
  }

  function attachAll() {
    guardMapUpdates();
    ["map", "timeline", "timeline-strip"].forEach(attach);
    foldKeyIfCovering();
  }
  // Graphs appear and are replaced as Dash renders; look for new ones at most once a frame.
  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; attachAll(); });
  }).observe(document.documentElement, { childList: true, subtree: true });

  // The list: a click selects, hovering links to both views. So does the control table's evidence
  // link, within the page (its href, which keeps the view's filters, is for opening it elsewhere).
  document.addEventListener("click", function (e) {
    var row = e.target && e.target.closest && e.target.closest("#event-list [data-event-id]");
    if (row) select(row.getAttribute("data-event-id"));
    var link = e.target && e.target.closest && e.target.closest("#control a.evidence[data-event-id]");
    if (link && e.button === 0 && !(e.ctrlKey || e.metaKey || e.shiftKey || e.altKey)) {
      e.preventDefault();
      select(link.getAttribute("data-event-id"));
    }
  });
  document.addEventListener("mouseover", function (e) {
    var row = e.target && e.target.closest && e.target.closest("#event-list [data-event-id]");
    if (row) hover(row.getAttribute("data-event-id"));
  });
  document.addEventListener("mouseout", function (e) {
    var row = e.target && e.target.closest && e.target.closest("#event-list [data-event-id]");
    if (row && !(e.relatedTarget && row.contains(e.relatedTarget))) hover(null);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && !document.fullscreenElement) {
      var tag = e.target && e.target.tagName ? e.target.tagName.toLowerCase() : "";
      if (tag !== "input" && tag !== "textarea") select(null);
    }
    if (e.key === "Enter") {
      var row = e.target && e.target.closest && e.target.closest("#event-list [data-event-id]");
      if (row) select(row.getAttribute("data-event-id"));
    }
  });

  // ------------------------------------------------------------------ Dash clientside callbacks

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    conflictmap: {
      // The URL, split in two: the filters (re-render the views) and the selection (emphasis only).
      deriveKeys: function (search, pathname, prevKey, prevSelected) {
        var params = new URLSearchParams(search || "");
        var selected = params.get("event");
        params.delete("event");
        params.sort();
        var key = (pathname || "/") + "?" + params.toString();
        var box = noUpdate();
        if (!state.boxMeasured) {  // once, before the first map: what its first markers are laid out for
          state.boxMeasured = true;
          box = mapBox();
        }
        return [key === prevKey ? noUpdate() : key, selected === prevSelected ? noUpdate() : selected, box];
      },
      emphasize: function (selected, _mapFigure, _timelineFigure, viewInfo, _listDrawn) {
        var ctx = window.dash_clientside.callback_context;
        var listChanged = ctx && ctx.triggered && ctx.triggered.some(function (t) {
          return t.prop_id === "list-drawn.data";
        });
        var changed = state.selected !== selected || listChanged;
        state.selected = selected || null;
        state.viewInfo = viewInfo || state.viewInfo;
        setTimeout(function () {
          var mapGd = graph("map"), tlGd = graph("timeline");
          var ready = mapOf();
          if (mapGd && mapGd.data && ready && ready.isStyleLoaded()) moveRing(mapGd, "selected", state.selected);
          if (tlGd && tlGd.data) {
            moveRing(tlGd, "selected", state.selected);
            if (changed) scrollLanesTo(tlGd, state.selected);
          }
          markListRow(state.selected, changed);
          var map = mapOf();
          if (map && map.isStyleLoaded() && state.viewInfo) {
            showUncertaintyFor(map, state.viewInfo.keys);
            labelOnly(map, state.viewInfo.labelKeys);
          }
          setPlaceEmphasis();
          placeHoverRings();
        }, 0);
        return Date.now();
      },
      // The event list from its rows as data (dashboard/eventlist.py): every text goes in as a text
      // node or an attribute, never as HTML; a colour only if it is one. Drawn here rather than as
      // Dash components, which Dash's renderer mounts at a cost that grows with every component
      // already on the page (seconds for a page of 500 rows).
      drawList: function (rows, drawn) {
        var list = document.getElementById("event-list");
        if (!list) return noUpdate();
        var items = document.createDocumentFragment();
        (rows || []).forEach(function (row) {
          var li = document.createElement("li");
          li.className = "event-row";
          li.setAttribute("role", "option");
          li.setAttribute("tabindex", "-1");
          li.setAttribute("aria-selected", "false");
          li.setAttribute("data-event-id", row.id);
          li.title = row.faction + ": show this event on the map and timeline";
          if (/^#[0-9a-fA-F]{3,8}$/.test(row.colour || "")) li.style.setProperty("--row-colour", row.colour);
          li.appendChild(document.createTextNode(row.title));
          li.appendChild(textElement("span", "row-meta", row.meta));
          if (row.affected) li.appendChild(textElement("span", "row-affected", row.affected));
          items.appendChild(li);
        });
        list.replaceChildren(items);
        return (drawn || 0) + 1;
      },
      // The control table from its data (dashboard/controlpanel.py control_table), drawn as text like
      // the list: an event cited as evidence is a link within the app that selects it.
      drawControl: function (table) {
        var box = document.getElementById("control-body");
        if (!box) return noUpdate();
        if (!table) { box.replaceChildren(); return Date.now(); }
        var t = document.createElement("table");
        t.id = "control";
        t.className = "control-table";
        t.appendChild(textElement("caption", "", table.caption));
        var headRow = document.createElement("tr");
        ["Place", "Holder", "Since", "Evidence"].forEach(function (h) { headRow.appendChild(textElement("th", "", h)); });
        t.appendChild(document.createElement("thead")).appendChild(headRow);
        var body = t.appendChild(document.createElement("tbody"));
        (table.rows || []).forEach(function (row) {
          var tr = body.appendChild(document.createElement("tr"));
          tr.className = row.className;
          tr.setAttribute("data-place", row.place);
          tr.setAttribute("data-state", row.state);
          tr.setAttribute("data-holder", row.holderId);
          var place = tr.appendChild(textElement("td", "control-place", row.place));
          if (row.region) place.appendChild(textElement("span", "muted", " (region: listed, not painted)"));
          tr.appendChild(textElement("td", "control-holder", row.holder));
          tr.appendChild(textElement("td", "control-since", row.since));
          var evidence = tr.appendChild(textElement("td", "control-evidence", ""));
          (row.evidence || []).forEach(function (e, i) {
            if (i) evidence.appendChild(document.createTextNode(", "));
            if (e.href && /^\/(?![\/\\])/.test(e.href)) {  // a path of this app, nothing else
              var a = evidence.appendChild(textElement("a", "evidence", e.id));
              a.setAttribute("href", e.href);
              a.setAttribute("data-event-id", e.id);
            } else {
              evidence.appendChild(textElement("span", "evidence", e.id));
              if (e.quote) evidence.appendChild(textElement("q", "evidence-quote", e.quote));
            }
          });
        });
        box.replaceChildren(t);
        return Date.now();
      },
      // A responsive dcc.Graph fills its box and drops the figure's height, so the box takes the
      // height the lanes need (the figure's own); the lanes' scroll area then scrolls it.
      graphHeight: function (figure) {
        var height = figure && figure.layout && figure.layout.height;
        return height ? {height: height + 'px'} : window.dash_clientside.no_update;
      },
      frameMap: function (frame, _fitClicks) {
        var ctx = window.dash_clientside.callback_context;
        var fit = ctx && ctx.triggered && ctx.triggered.some(function (t) { return t.prop_id === "fit-map.n_clicks"; });
        if (!frame) return noUpdate();
        if (!fit && frame.token === state.lastToken) return noUpdate();
        var first = state.lastToken === null;
        state.lastToken = frame.token;
        var linked = first && !fit ? cameraInHash() : null;
        var token = frame.token;
        function targetOn(map) { return linked || (!fit && frame.camera) || cameraForFrame(map, frame.bounds); }
        if (first) {
          // A page's first frame: move the camera the moment the map exists, so that the base map's
          // tiles, the labels and the markers for the frame's zoom are loaded and drawn once, at the
          // frame, not first at the figure's rough camera and then again (a second of CPU a load on
          // a laptop without a GPU). Checked again below once the style is in: the page may have
          // resized the map since.
          whenMapMade(function (map) {
            if (state.lastToken !== token) return;
            var early = targetOn(map);
            if (early) moveCamera(map, early, false);
          });
        }
        whenMapReady(function (map) {
          if (state.lastToken !== token) return;
          foldKeyIfCovering();
          var target = targetOn(map);
          if (target && !(first && arrived(map, target))) moveCamera(map, target, !first && !linked);
          state.cameraRestored = true;
          settleOn(map, target, token, 0);
        });
        return noUpdate();
      },
      flyTo: function (target) {
        if (!target) return noUpdate();
        whenMapReady(function (map) {
          map.flyTo({ center: [target.lon, target.lat], zoom: target.zoom, duration: 700 }, ANALYST);
        });
        return noUpdate();
      }
    }
  });
})();
