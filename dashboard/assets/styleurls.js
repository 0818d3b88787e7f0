// The map style's URLs, made absolute in the browser.
//
// The server sends the style (`/map/style.json`) with URLs relative to the app, because it must not
// build URLs from the request's Host header (a client chooses it: cache poisoning, and one cached
// style per Host was unbounded memory). MapLibre, though, needs absolute URLs: it parses the sprite
// URL with `new URL()`, and its worker (started from a blob: URL) cannot resolve a relative GeoJSON
// URL. So the style's response is rewritten here, against the address the page itself was fetched
// from, before MapLibre reads it. Nothing else that goes through fetch is touched.
(function () {
  "use strict";
  if (!window.fetch || window.fetch.__conflictmapStyleUrls) return;
  var original = window.fetch;

  function absolute(url, base) {
    return typeof url === "string" ? new URL(url, base).href : url;
  }

  function resolveStyle(style, base) {
    if (typeof style.sprite === "string") style.sprite = absolute(style.sprite, base);
    else if (Array.isArray(style.sprite)) {
      style.sprite.forEach(function (s) { if (s && typeof s.url === "string") s.url = absolute(s.url, base); });
    }
    Object.keys(style.sources || {}).forEach(function (name) {
      var source = style.sources[name];
      if (typeof source.data === "string") source.data = absolute(source.data, base);
      if (typeof source.url === "string") source.url = absolute(source.url, base);
      if (Array.isArray(source.tiles)) source.tiles = source.tiles.map(function (t) { return absolute(t, base); });
    });
    return style;
  }

  function isStyleRequest(input) {
    var url = typeof input === "string" ? input : input && input.url;
    if (typeof url !== "string") return false;
    try {
      var parsed = new URL(url, document.baseURI);
      return parsed.origin === window.location.origin && /\/map\/style\.json$/.test(parsed.pathname);
    } catch (e) {
      return false;
    }
  }

  function fetchWithAbsoluteStyle(input, init) {
    var answer = original.apply(this, arguments);
    if (!isStyleRequest(input)) return answer;
    return answer.then(function (response) {
      if (!response.ok) return response;
      return response.json().then(function (style) {
        var headers = new Headers(response.headers);
        headers.delete("Content-Length");
        return new Response(JSON.stringify(resolveStyle(style, response.url || document.baseURI)), {
          status: response.status,
          statusText: response.statusText,
          headers: headers,
        });
      });
    });
  }
  fetchWithAbsoluteStyle.__conflictmapStyleUrls = true;
  window.fetch = fetchWithAbsoluteStyle;
})();
