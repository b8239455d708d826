// Draws the project canvas's connections: each <line data-from="tile-a" data-to="tile-b"> in
// <svg id="canvas-links"> is placed between the two tiles' facing edges, again after a resize or a swap.
(function () {
  function place() {
    var svg = document.getElementById('canvas-links');
    if (!svg) return;
    var box = svg.getBoundingClientRect();
    svg.querySelectorAll('line[data-from]').forEach(function (line) {
      var from = document.getElementById(line.getAttribute('data-from'));
      var to = document.getElementById(line.getAttribute('data-to'));
      if (!from || !to) return line.setAttribute('visibility', 'hidden');
      var a = from.getBoundingClientRect();
      var b = to.getBoundingClientRect();
      var isSideBySide = b.left >= a.right || a.left >= b.right;
      var ax = isSideBySide ? (b.left >= a.right ? a.right : a.left) : a.left + a.width / 2;
      var bx = isSideBySide ? (b.left >= a.right ? b.left : b.right) : b.left + b.width / 2;
      var ay = isSideBySide ? a.top + a.height / 2 : b.top >= a.bottom ? a.bottom : a.top;
      var by = isSideBySide ? b.top + b.height / 2 : b.top >= a.bottom ? b.top : b.bottom;
      line.setAttribute('x1', String(ax - box.left));
      line.setAttribute('y1', String(ay - box.top));
      line.setAttribute('x2', String(bx - box.left));
      line.setAttribute('y2', String(by - box.top));
      line.setAttribute('visibility', 'visible');
    });
  }
  document.addEventListener('DOMContentLoaded', place);
  document.addEventListener('htmx:afterSettle', place);
  window.addEventListener('resize', place);
})();
