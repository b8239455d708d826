// Copy buttons: <button data-copy="text">. Delegated, so buttons in htmx-loaded fragments work too.
document.addEventListener('click', (event) => {
  const target = event.target;
  const button = target && target.closest ? target.closest('button[data-copy]') : null;
  const clipboard = window.navigator.clipboard;
  if (!button || !clipboard) return;
  void clipboard.writeText(button.getAttribute('data-copy') || '').then(() => {
    const label = button.textContent;
    button.textContent = 'Copied';
    setTimeout(() => (button.textContent = label), 1500);
  });
});
