// Copy buttons: <button type="button" data-copy="text">Copy</button>. Delegated, so buttons in htmx-loaded
// fragments work too. The Clipboard API exists only in secure contexts (HTTPS or localhost); over plain HTTP
// the text is put in a hidden textarea, selected and copied with execCommand('copy').
(function () {
  var live;
  function announce(text) {
    if (!live) {
      live = document.createElement('div');
      live.className = 'visually-hidden';
      live.setAttribute('aria-live', 'polite');
      document.body.appendChild(live);
    }
    live.textContent = '';
    setTimeout(function () {
      live.textContent = text;
    }, 50);
  }

  function copyWithTextarea(text) {
    var active = document.activeElement;
    var buffer = document.createElement('textarea');
    buffer.value = text;
    buffer.setAttribute('readonly', '');
    buffer.className = 'copy-buffer';
    document.body.appendChild(buffer);
    buffer.select();
    buffer.setSelectionRange(0, text.length);
    var isCopied;
    try {
      isCopied = document.execCommand('copy');
    } catch {
      isCopied = false;
    }
    buffer.remove();
    if (active && active.focus) active.focus();
    return isCopied;
  }

  function copyText(text) {
    var clipboard = window.navigator.clipboard;
    if (window.isSecureContext && clipboard && clipboard.writeText) {
      return clipboard.writeText(text).then(
        function () {
          return true;
        },
        function () {
          return copyWithTextarea(text);
        },
      );
    }
    return Promise.resolve(copyWithTextarea(text));
  }

  function showResult(button, isCopied) {
    if (!button.dataset.copyLabel) button.dataset.copyLabel = button.textContent;
    button.textContent = isCopied ? 'Copied' : 'Copy failed: select the text and press Ctrl+C';
    button.classList.toggle('copied', isCopied);
    announce(isCopied ? 'Copied to the clipboard' : 'Copy failed');
    window.clearTimeout(button.copyTimer);
    button.copyTimer = setTimeout(function () {
      button.textContent = button.dataset.copyLabel;
      button.classList.remove('copied');
    }, 2000);
  }

  document.addEventListener('click', function (event) {
    var target = event.target;
    var button = target && target.closest ? target.closest('[data-copy]') : null;
    if (!button) return;
    event.preventDefault();
    void copyText(button.getAttribute('data-copy') || '').then(function (isCopied) {
      showResult(button, isCopied);
    });
  });
})();
