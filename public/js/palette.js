// Command palette: Ctrl-K (Cmd-K on a Mac) or the "Jump to" button opens a dialog listing every project,
// service, database and page (GET /palette.json, same origin). Type to filter, arrows to move, Enter to go,
// Escape to close. ARIA: a modal <dialog> holding a combobox that controls a listbox.
(function () {
  var items = null;
  var matches = [];
  var active = 0;
  var opener = null;

  function parts() {
    var dialog = document.getElementById('palette');
    if (!dialog) return null;
    return { dialog: dialog, input: dialog.querySelector('input'), list: dialog.querySelector('[role="listbox"]') };
  }

  // Fetched on every opening (projects come and go); the last list shows meanwhile.
  function load() {
    return window
      .fetch('/palette.json', { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (response) {
        return response.ok ? response.json() : { items: [] };
      })
      .then(function (body) {
        items = body.items || [];
        return items;
      });
  }

  function score(item, words) {
    var haystack = (item.label + ' ' + item.detail).toLowerCase();
    for (var i = 0; i < words.length; i++) if (haystack.indexOf(words[i]) === -1) return -1;
    var label = item.label.toLowerCase();
    // Nothing typed: the panel's pages first, then everything else in order.
    if (words.length === 0) return item.kind === 'page' && item.detail === 'page' ? 2 : 1;
    return label.indexOf(words[0]) === 0 ? 3 : 2;
  }

  function render(p) {
    var words = p.input.value.toLowerCase().split(/\s+/).filter(Boolean);
    matches = (items || [])
      .map(function (item, index) {
        return { item: item, score: score(item, words), index: index };
      })
      .filter(function (m) {
        return m.score >= 0;
      })
      .sort(function (a, b) {
        return b.score - a.score || a.index - b.index;
      })
      .slice(0, 50)
      .map(function (m) {
        return m.item;
      });
    if (active >= matches.length) active = 0;
    p.list.textContent = '';
    matches.forEach(function (item, index) {
      var option = document.createElement('li');
      option.id = 'palette-option-' + index;
      option.setAttribute('role', 'option');
      option.setAttribute('aria-selected', index === active ? 'true' : 'false');
      option.dataset.url = item.url;
      var label = document.createElement('span');
      label.textContent = item.label;
      var detail = document.createElement('span');
      detail.className = 'palette-detail';
      detail.textContent = item.detail;
      option.appendChild(label);
      option.appendChild(detail);
      p.list.appendChild(option);
    });
    if (matches.length === 0) {
      var empty = document.createElement('li');
      empty.className = 'palette-empty';
      empty.setAttribute('role', 'presentation');
      empty.textContent = items ? 'Nothing matches.' : 'Loading…';
      p.list.appendChild(empty);
    }
    p.input.setAttribute('aria-expanded', matches.length > 0 ? 'true' : 'false');
    if (matches.length > 0) p.input.setAttribute('aria-activedescendant', 'palette-option-' + active);
    else p.input.removeAttribute('aria-activedescendant');
    var selected = document.getElementById('palette-option-' + active);
    if (selected && selected.scrollIntoView) selected.scrollIntoView({ block: 'nearest' });
  }

  function open() {
    var p = parts();
    if (!p || p.dialog.open) return;
    opener = document.activeElement;
    p.input.value = '';
    active = 0;
    p.dialog.showModal();
    p.input.focus();
    render(p);
    void load().then(function () {
      render(p);
    });
  }

  function close() {
    var p = parts();
    if (!p || !p.dialog.open) return;
    p.dialog.close();
  }

  function go(url) {
    close();
    if (url) window.location.assign(url);
  }

  document.addEventListener('keydown', function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === 'k' || event.key === 'K')) {
      if (!parts()) return;
      event.preventDefault();
      open();
      return;
    }
    var p = parts();
    if (!p || !p.dialog.open || event.target !== p.input) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (matches.length === 0) return;
      active = (active + (event.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length;
      render(p);
    } else if (event.key === 'Home' && event.ctrlKey) {
      active = 0;
      render(p);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      if (matches[active]) go(matches[active].url);
    }
  });

  document.addEventListener('input', function (event) {
    var p = parts();
    if (p && event.target === p.input) {
      active = 0;
      render(p);
    }
  });

  document.addEventListener('click', function (event) {
    var target = event.target;
    if (!target || !target.closest) return;
    if (target.closest('[data-palette-open]')) {
      event.preventDefault();
      open();
      return;
    }
    var option = target.closest('#palette [role="option"]');
    if (option) return go(option.dataset.url);
    if (target.closest('[data-palette-close]')) return close();
    // A click on the backdrop (the dialog element itself, outside its box) closes it.
    var p = parts();
    if (p && target === p.dialog) close();
  });

  document.addEventListener(
    'close',
    function (event) {
      var p = parts();
      if (!p || event.target !== p.dialog) return;
      if (opener && opener.focus && document.contains(opener)) opener.focus();
      opener = null;
    },
    true,
  );
})();
