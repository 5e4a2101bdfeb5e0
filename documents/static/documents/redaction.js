// Optional: draw the boxes to black out on the original image with the mouse; they are
// written into the form's text box, which works without this script.
(function () {
  "use strict";
  var img = document.querySelector("[data-redaction-image]");
  var field = document.getElementById("id_boxes");
  if (!img || !field) return;
  var start = null;
  function point(event) {
    var rect = img.getBoundingClientRect();
    var scale = parseInt(img.dataset.width, 10) / rect.width;
    return [Math.round((event.clientX - rect.left) * scale), Math.round((event.clientY - rect.top) * scale)];
  }
  img.addEventListener("mousedown", function (event) { event.preventDefault(); start = point(event); });
  img.addEventListener("mouseup", function (event) {
    if (!start) return;
    var end = point(event);
    var x = Math.min(start[0], end[0]), y = Math.min(start[1], end[1]);
    var w = Math.abs(end[0] - start[0]), h = Math.abs(end[1] - start[1]);
    start = null;
    if (w < 2 || h < 2) return;
    field.value = (field.value.trim() ? field.value.trim() + "\n" : "") + [x, y, w, h].join(" ");
  });
})();
