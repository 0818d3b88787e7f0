// On a page opened from disk (file://), Chromium refuses a Worker made from a blob: URL (the
// page's origin is opaque, so the blob counts as a cross-origin redirect). MapLibre, inside
// plotly.js, builds its worker exactly that way: from a Blob of its own source text. A data: URL
// worker is allowed, so JavaScript blobs made on such a page are handed out as data: URLs. The
// blob's text is remembered when it is made, because reading a Blob back is asynchronous.
(function () {
  'use strict';
  if (window.location.protocol !== 'file:') return;
  const NativeBlob = window.Blob;
  const texts = new WeakMap();
  function Blob(parts, options) {
    const blob = new NativeBlob(parts, options);
    const type = (options && options.type) || '';
    if (/javascript/.test(type) && Array.isArray(parts) && parts.every(p => typeof p === 'string')) {
      texts.set(blob, parts.join(''));
    }
    return blob;
  }
  Blob.prototype = NativeBlob.prototype;
  window.Blob = Blob;
  const nativeCreate = URL.createObjectURL.bind(URL);
  URL.createObjectURL = function (obj) {
    const text = obj instanceof NativeBlob ? texts.get(obj) : undefined;
    if (text !== undefined) return 'data:text/javascript;charset=utf-8,' + encodeURIComponent(text);
    return nativeCreate(obj);
  };
})();
