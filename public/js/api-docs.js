// The API docs page (Swagger UI): Berth's name and icon in its top bar, leading back to the panel, and a
// "Back to the Berth panel" link.
(function () {
  function addPanelLink() {
    var wrapper = document.querySelector('#swagger-ui .topbar-wrapper');
    if (!wrapper) return false;
    var logo = wrapper.querySelector('a.link');
    if (logo && !logo.dataset.berth) {
      logo.dataset.berth = 'true';
      logo.setAttribute('href', '/');
      logo.textContent = '';
      var icon = document.createElement('img');
      icon.src = '/public/icons/berth.svg';
      icon.alt = '';
      icon.width = 28;
      icon.height = 28;
      var name = document.createElement('span');
      name.textContent = 'Berth API';
      logo.appendChild(icon);
      logo.appendChild(name);
    }
    if (!document.getElementById('berth-panel-link')) {
      var back = document.createElement('a');
      back.id = 'berth-panel-link';
      back.href = '/';
      back.textContent = '← Back to the Berth panel';
      wrapper.appendChild(back);
    }
    return true;
  }
  var tries = 0;
  var timer = window.setInterval(function () {
    if (addPanelLink() || ++tries > 100) window.clearInterval(timer);
  }, 100);
})();
