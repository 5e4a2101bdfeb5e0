// Draw the areas to black out on the original image with the mouse. Each area shows on the
// image at once (an SVG rectangle over it) and is written into the form's text box, where it
// can also be typed or corrected with the keyboard: the drawing follows the text box. The
// page works without this script (the text box and the areas drawn by the server remain).
(function () {
  "use strict";
  var img = document.querySelector("[data-redaction-image]");
  var overlay = document.querySelector("[data-redaction-overlay]");
  var field = document.getElementById("id_boxes");
  if (!img || !field || !overlay) return;
  var SVG = "http://www.w3.org/2000/svg";
  var width = parseInt(img.dataset.width, 10);
  var start = null;
  var drawing = null;

  function rect(box, extra) {
    var r = document.createElementNS(SVG, "rect");
    r.setAttribute("class", "redaction__box" + (extra ? " " + extra : ""));
    r.setAttribute("x", box[0]);
    r.setAttribute("y", box[1]);
    r.setAttribute("width", box[2]);
    r.setAttribute("height", box[3]);
    return r;
  }
  function boxes() {
    return field.value.split("\n").map(function (line) {
      var m = line.trim().match(/^(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/);
      return m ? [+m[1], +m[2], +m[3], +m[4]] : null;
    }).filter(Boolean);
  }
  function render() {
    while (overlay.firstChild) overlay.removeChild(overlay.firstChild);
    boxes().forEach(function (box) { overlay.appendChild(rect(box)); });
    if (drawing) overlay.appendChild(drawing);
  }
  function point(event) {
    var bounds = img.getBoundingClientRect();
    var scale = width / bounds.width;
    return [Math.round((event.clientX - bounds.left) * scale), Math.round((event.clientY - bounds.top) * scale)];
  }
  function span(a, b) {
    return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.abs(b[0] - a[0]), Math.abs(b[1] - a[1])];
  }
  img.addEventListener("mousedown", function (event) { event.preventDefault(); start = point(event); });
  img.addEventListener("mousemove", function (event) {
    if (!start) return;
    drawing = rect(span(start, point(event)), "redaction__box--drawing");
    render();
  });
  img.addEventListener("mouseup", function (event) {
    if (!start) return;
    var box = span(start, point(event));
    start = null;
    drawing = null;
    if (box[2] >= 2 && box[3] >= 2) {
      field.value = (field.value.trim() ? field.value.trim() + "\n" : "") + box.join(" ");
    }
    render();
  });
  field.addEventListener("input", render);
  render();
})();
