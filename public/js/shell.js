// The panel's shell: the collapsible navigation on narrow screens, and labels for table cells so tables
// read as lists on a phone (each cell gets data-label from its column heading; CSS shows it).
(function () {
  document.documentElement.classList.add('js');

  function setMenu(button, isOpen) {
    button.setAttribute('aria-expanded', isOpen ? 'true' : 'false');
    var menu = document.getElementById(button.getAttribute('aria-controls'));
    if (menu) menu.classList.toggle('open', isOpen);
  }

  document.addEventListener('click', function (event) {
    var target = event.target;
    var button = target && target.closest ? target.closest('[data-menu-toggle]') : null;
    if (!button) return;
    setMenu(button, button.getAttribute('aria-expanded') !== 'true');
  });

  document.addEventListener('keydown', function (event) {
    if (event.key !== 'Escape') return;
    var button = document.querySelector('[data-menu-toggle][aria-expanded="true"]');
    if (!button) return;
    setMenu(button, false);
    button.focus();
  });

  function labelTables(root) {
    var scope = root && root.querySelectorAll ? root : document;
    var tables = scope.matches && scope.matches('table') ? [scope] : scope.querySelectorAll('table');
    Array.prototype.forEach.call(tables, function (table) {
      var headings = table.querySelectorAll('thead th');
      if (headings.length === 0) return;
      Array.prototype.forEach.call(table.querySelectorAll('tbody tr'), function (row) {
        Array.prototype.forEach.call(row.children, function (cell, index) {
          var heading = headings[index];
          var label = heading ? heading.textContent.trim() : '';
          if (label && !cell.hasAttribute('data-label')) cell.setAttribute('data-label', label);
        });
      });
    });
  }

  // A region that scrolls (a log, a long command) must be reachable from the keyboard to scroll it.
  function focusScrollables(root) {
    var scope = root && root.querySelectorAll ? root : document;
    Array.prototype.forEach.call(scope.querySelectorAll('pre'), function (pre) {
      var isScrollable = pre.scrollHeight > pre.clientHeight + 1 || pre.scrollWidth > pre.clientWidth + 1;
      if ((isScrollable || pre.classList.contains('log')) && !pre.hasAttribute('tabindex')) {
        pre.setAttribute('tabindex', '0');
      }
    });
  }

  document.addEventListener('DOMContentLoaded', function () {
    labelTables(document);
    focusScrollables(document);
  });
  document.addEventListener('htmx:load', function (event) {
    var element = event.target;
    labelTables(element && element.closest && element.closest('table') ? element.closest('table') : element);
    focusScrollables(element);
  });
})();
