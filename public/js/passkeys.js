// Passkeys (WebAuthn) in the panel, with no inline script:
//   <form data-passkey-add="/account/passkeys">       adds one: name field, options from …/options, create()
//   <form data-passkey-sign-in="/login/passkey">      signs in: options from …/options, get(), then follows `next`
// Both forms start hidden and are shown only where the browser offers passkeys (a secure context: HTTPS or
// localhost); elements with data-passkey-unsupported are shown otherwise. Delegated, so forms in htmx-loaded
// fragments work too. Binary fields travel as base64url, as PublicKeyCredential.toJSON() gives them.
(function () {
  var isSupported = typeof window.PublicKeyCredential === 'function' && !!window.navigator.credentials;

  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, '+').replace(/_/g, '/');
    while (b64.length % 4) b64 += '=';
    var raw = window.atob(b64);
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out.buffer;
  }

  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var raw = '';
    for (var i = 0; i < bytes.length; i++) raw += String.fromCharCode(bytes[i]);
    return window.btoa(raw).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  function withIds(list) {
    return (list || []).map(function (c) {
      return Object.assign({}, c, { id: toBytes(c.id) });
    });
  }

  function creationOptions(json) {
    if (window.PublicKeyCredential.parseCreationOptionsFromJSON)
      return window.PublicKeyCredential.parseCreationOptionsFromJSON(json);
    return Object.assign({}, json, {
      challenge: toBytes(json.challenge),
      user: Object.assign({}, json.user, { id: toBytes(json.user.id) }),
      excludeCredentials: withIds(json.excludeCredentials),
    });
  }

  function requestOptions(json) {
    if (window.PublicKeyCredential.parseRequestOptionsFromJSON)
      return window.PublicKeyCredential.parseRequestOptionsFromJSON(json);
    return Object.assign({}, json, {
      challenge: toBytes(json.challenge),
      allowCredentials: withIds(json.allowCredentials),
    });
  }

  function credentialJson(credential) {
    if (typeof credential.toJSON === 'function') return credential.toJSON();
    var r = credential.response;
    var response = r.attestationObject
      ? {
          clientDataJSON: toB64url(r.clientDataJSON),
          attestationObject: toB64url(r.attestationObject),
          transports: r.getTransports ? r.getTransports() : [],
        }
      : {
          clientDataJSON: toB64url(r.clientDataJSON),
          authenticatorData: toB64url(r.authenticatorData),
          signature: toB64url(r.signature),
          userHandle: r.userHandle ? toB64url(r.userHandle) : undefined,
        };
    return {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: response,
    };
  }

  function post(url, form, body) {
    var csrf = form.querySelector('input[name="_csrf"]');
    return window
      .fetch(url, {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'x-csrf-token': csrf ? csrf.value : '',
        },
        body: JSON.stringify(body),
      })
      .then(function (res) {
        return res.json().then(
          function (data) {
            if (!res.ok)
              throw new Error((data && data.error && data.error.message) || 'The server refused the passkey.');
            return data;
          },
          function () {
            throw new Error('The server answered ' + res.status + '.');
          },
        );
      });
  }

  function showError(form, error) {
    var box = form.querySelector('[data-passkey-error]');
    var message =
      error && error.name === 'NotAllowedError'
        ? 'The passkey request was cancelled or timed out.'
        : error && error.name === 'InvalidStateError'
          ? 'This passkey is already registered.'
          : (error && error.message) || 'Something went wrong.';
    if (box) {
      box.textContent = message;
      box.hidden = false;
    }
  }

  function busy(form, isBusy) {
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = isBusy;
    var box = form.querySelector('[data-passkey-error]');
    if (box && isBusy) box.hidden = true;
  }

  function addPasskey(form) {
    var url = form.getAttribute('data-passkey-add');
    var name = form.querySelector('input[name="name"]').value;
    return post(url + '/options', form, {})
      .then(function (data) {
        return window.navigator.credentials.create({ publicKey: creationOptions(data.options) });
      })
      .then(function (credential) {
        return post(url, form, { name: name, credential: credentialJson(credential) });
      })
      .then(function () {
        window.location.assign('/account');
      });
  }

  function signIn(form) {
    var url = form.getAttribute('data-passkey-sign-in');
    var next = form.querySelector('input[name="next"]');
    return post(url + '/options', form, {})
      .then(function (data) {
        return window.navigator.credentials.get({ publicKey: requestOptions(data.options) });
      })
      .then(function (credential) {
        var body = { credential: credentialJson(credential) };
        if (next) body.next = next.value;
        return post(url, form, body);
      })
      .then(function (data) {
        window.location.assign(data.next || '/');
      });
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!(form instanceof window.HTMLFormElement)) return;
    var run = form.hasAttribute('data-passkey-add')
      ? addPasskey
      : form.hasAttribute('data-passkey-sign-in')
        ? signIn
        : null;
    if (!run) return;
    event.preventDefault();
    busy(form, true);
    run(form).catch(function (error) {
      busy(form, false);
      showError(form, error);
    });
  });

  function reveal() {
    document.querySelectorAll('[data-passkey-add], [data-passkey-sign-in]').forEach(function (el) {
      el.hidden = !isSupported;
    });
    document.querySelectorAll('[data-passkey-unsupported]').forEach(function (el) {
      el.hidden = isSupported;
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', reveal);
  else reveal();
  document.addEventListener('htmx:load', reveal);
})();
