// Linked hover: pointing at an event on one view enlarges the same event on the other.
// Client-side on purpose: a hover must answer in milliseconds, without a server round trip.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  conflictmap: {
    linkHover: function (mapHover, timelineHover) {
      var ctx = window.dash_clientside.callback_context;
      var trigger = ctx.triggered.length ? ctx.triggered[0].prop_id.split(".")[0] : null;
      var hover = trigger === "map" ? mapHover : timelineHover;
      var id = null;
      if (hover && hover.points && hover.points.length) {
        var cd = hover.points[0].customdata;
        id = Array.isArray(cd) ? cd[0] : cd;
      }
      var other = trigger === "map" ? "timeline" : "map";
      var gd = document.querySelector("#" + other + " .js-plotly-plot");
      if (!gd || !gd.data || !window.Plotly) return window.dash_clientside.no_update;
      var indices = [], sizes = [];
      gd.data.forEach(function (trace, t) {
        if (trace.meta !== "events") return;
        if (trace._cmBaseSize === undefined) trace._cmBaseSize = trace.marker.size;
        var base = trace._cmBaseSize;
        indices.push(t);
        sizes.push(trace.customdata.map(function (eid, k) {
          var b = Array.isArray(base) ? base[k] : base;
          return eid === id ? b * 1.8 : b;
        }));
      });
      if (indices.length) window.Plotly.restyle(gd, { "marker.size": sizes }, indices);
      return id;
    },
    // Clicking a cluster's count badge zooms the map in on it, so its events separate.
    expandCluster: function (click) {
      var gd = document.querySelector("#map .js-plotly-plot");
      if (!click || !click.points || !click.points.length || !gd || !window.Plotly) {
        return window.dash_clientside.no_update;
      }
      var point = click.points[0];
      var trace = gd.data[point.curveNumber];
      if (!trace || trace.meta !== "cluster") return window.dash_clientside.no_update;
      var geo = gd._fullLayout.geo;
      var scale = (geo && geo.projection && geo.projection.scale) || 1;
      window.Plotly.relayout(gd, {
        "geo.center.lat": point.lat, "geo.center.lon": point.lon, "geo.projection.scale": scale * 4
      });
      return scale * 4;
    }
  }
});
