// Opens a share link: the key is the link's fragment (never sent to the server); the server
// gives only the ciphertext. Decrypts with WebCrypto (AES-256-GCM), has /verify check the
// presentation, and shows its answer (HTML the server escaped).
(async () => {
  const box = document.getElementById('share');
  const nl = box.dataset.lang === 'nl';
  const status = document.getElementById('share-status');
  const out = document.getElementById('share-result');
  const say = (n, e, bad) => { status.textContent = nl ? n : e; status.className = bad ? 'error big' : 'ok big'; };
  const b64u = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4)), (c) => c.charCodeAt(0));
  const key = location.hash.slice(1);
  if (!key) {
    say('Deze link mist zijn sleutel (het deel na #). Vraag de student om de hele link.', 'This link lacks its key (the part after #). Ask the student for the whole link.', true);
    return;
  }
  let answer;
  try {
    answer = await fetch(`/shares/${encodeURIComponent(box.dataset.id)}`);
  } catch (e) {
    say('De server is niet bereikbaar.', 'The server cannot be reached.', true);
    return;
  }
  if (answer.status === 410) {
    const j = await answer.json();
    if (j.reason === 'withdrawn') say('De student heeft deze badges niet meer gedeeld.', 'The student no longer shares these badges.', true);
    else say('Deze link is verlopen.', 'This link has expired.', true);
    return;
  }
  if (!answer.ok) {
    say('Deze link bestaat niet (meer).', 'This link does not exist (any more).', true);
    return;
  }
  const { ciphertext } = await answer.json();
  let plain;
  try {
    const data = b64u(ciphertext);
    const k = await crypto.subtle.importKey('raw', b64u(key), 'AES-GCM', false, ['decrypt']);
    plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: data.slice(0, 12) }, k, data.slice(12));
  } catch (e) {
    say('De sleutel in deze link past niet: de link is niet compleet of veranderd.', 'The key in this link does not fit: the link is incomplete or changed.', true);
    return;
  }
  const checked = await fetch('/verify?format=html', { method: 'POST', body: plain, headers: { 'Content-Type': 'application/json' } });
  if (!checked.ok) {
    say('De controle kon niet worden uitgevoerd.', 'The check could not run.', true);
    return;
  }
  out.innerHTML = await checked.text();
  say('Geopend en gecontroleerd. De gegevens staan niet op de server.', 'Opened and checked. The data is not stored on the server.', false);
})();
