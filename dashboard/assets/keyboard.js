// Arrow keys step through events in time order (the Previous/Next buttons do the work,
// so keyboard and mouse share one code path). Ignored while typing in a field.
document.addEventListener("keydown", function (event) {
  var target = event.target;
  var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
  if (tag === "input" || tag === "textarea" || tag === "select" || (target && target.isContentEditable)) return;
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  var keys = {
    ArrowRight: "next-event", ArrowLeft: "prev-event",
    ArrowDown: "next-event", ArrowUp: "prev-event",
    " ": "next-step", PageDown: "next-step", PageUp: "prev-step", Home: "first-step", End: "last-step"
  };
  if (event.key === "f" || event.key === "F") {
    var full = document.getElementById("fullscreen");
    if (full && full.offsetParent !== null) { event.preventDefault(); full.click(); }
    return;
  }
  var id = keys[event.key];
  if (!id) return;
  // In a briefing the arrows move between steps, not events.
  var stepButton = document.getElementById("next-step");
  if (stepButton && stepButton.offsetParent !== null) {
    id = { "next-event": "next-step", "prev-event": "prev-step" }[id] || id;
  }
  var button = document.getElementById(id);
  if (!button || button.offsetParent === null) return;
  event.preventDefault();
  button.click();
});

// Full screen for presenting: the browser's own Fullscreen API, no server involved.
document.addEventListener("click", function (event) {
  if (!event.target || event.target.id !== "fullscreen") return;
  if (document.fullscreenElement) {
    document.exitFullscreen();
  } else if (document.documentElement.requestFullscreen) {
    document.documentElement.requestFullscreen();
  }
});
