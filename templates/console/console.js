// Progressive enhancement only: every control works without this file.
(function () {
  'use strict';
  var form = document.getElementById('campaign-form');
  if (!form) return;
  var rows = document.getElementById('audience-rows');
  var add = document.getElementById('add-row');
  var countButton = document.getElementById('count-button');
  var output = document.getElementById('audience-count');
  if (add && rows) {
    add.hidden = false;
    add.addEventListener('click', function () {
      var all = rows.querySelectorAll('.audience-row');
      var last = all[all.length - 1];
      var copy = last.cloneNode(true);
      var n = all.length;
      copy.classList.remove('invalid');
      copy.querySelectorAll('.error').forEach(function (e) {
        e.remove();
      });
      copy.querySelectorAll('input,select').forEach(function (el) {
        var base = el.id.replace(/-\d+$/, '');
        el.id = base + '-' + n;
        el.removeAttribute('aria-invalid');
        el.removeAttribute('aria-describedby');
        if (el.tagName === 'INPUT') el.value = '';
      });
      copy.querySelectorAll('label').forEach(function (l) {
        var f = l.getAttribute('for');
        if (f) l.setAttribute('for', f.replace(/-\d+$/, '-' + n));
        l.textContent = l.textContent.replace(/\d+$/, String(n + 1));
      });
      rows.appendChild(copy);
      copy.querySelector('input').focus();
    });
  }
  // Only the schedule fields of the chosen type are shown (all of them without script).
  var scheduleType = document.getElementById('scheduleType');
  var showSchedule = function () {
    form.querySelectorAll('[data-schedule]').forEach(function (el) {
      el.hidden = el.getAttribute('data-schedule').split(' ').indexOf(scheduleType.value) < 0;
    });
  };
  if (scheduleType) {
    scheduleType.addEventListener('change', showSchedule);
    showSchedule();
  }
  if (countButton && output) {
    countButton.addEventListener('click', function (ev) {
      ev.preventDefault();
      var data = new URLSearchParams(new FormData(form));
      data.delete('action');
      output.textContent = '…';
      fetch(countButton.getAttribute('data-count-url'), {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          'X-CSRF-Token': data.get('_csrf') || '',
        },
        body: data.toString(),
      })
        .then(function (r) {
          return r.json();
        })
        .then(function (j) {
          if (j.errors && j.errors.length) output.textContent = j.errors.join('; ');
          else output.innerHTML = '';
          if (!j.errors || !j.errors.length) {
            var strong = document.createElement('strong');
            strong.textContent = String(j.count);
            output.textContent = (output.getAttribute('data-label') || '') + ' ';
            output.appendChild(strong);
          }
        })
        .catch(function () {
          output.textContent = '?';
        });
    });
  }
})();
// The campaign page's figures, updated in place while the campaign is active (no reload: focus
// and reading position stay). Changes of status or of the sent count are announced politely,
// at most every 15 s for the count; without script the page offers a refresh link instead.
(function () {
  'use strict';
  var note = document.getElementById('live-note');
  if (!note || !window.fetch) return;
  var url = note.getAttribute('data-live-url');
  var announce = document.getElementById('live-announce');
  var status = document.getElementById('campaign-status');
  var bar = document.getElementById('progress-bar');
  var lastStatus = status ? status.className : '';
  var lastSent = null;
  var lastAnnounced = 0;
  var FIELDS = ['audience', 'planned', 'sent', 'deferred', 'failed', 'unknown', 'cancelled'];
  var set = function (id, value) {
    var el = document.getElementById(id);
    if (el && el.textContent !== String(value)) el.textContent = String(value);
  };
  var poll = function () {
    fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      })
      .then(function (live) {
        var p = live.progress || {};
        FIELDS.forEach(function (f) {
          if (p[f] !== undefined) set('progress-' + f, p[f]);
        });
        if (bar) {
          bar.max = Math.max(1, p.audience || 0);
          bar.value = p.sent || 0;
          bar.textContent = (p.sent || 0) + ' / ' + (p.audience || 0);
        }
        var statusChanged = false;
        if (status) {
          var cls = 'badge ' + live.status;
          statusChanged = cls !== lastStatus;
          lastStatus = cls;
          status.className = cls;
          set('campaign-status', live.statusLabel);
        }
        Object.keys(live.moves || {}).forEach(function (move) {
          document.querySelectorAll('[data-move="' + move + '"]').forEach(function (el) {
            el.hidden = !live.moves[move];
          });
        });
        var now = Date.now();
        var sentChanged = lastSent !== null && p.sent !== lastSent;
        lastSent = p.sent;
        if (announce && (statusChanged || (sentChanged && now - lastAnnounced >= 15000))) {
          announce.textContent = live.summary;
          lastAnnounced = now;
        }
        if (live.active) setTimeout(poll, 3000);
        else note.hidden = true;
      })
      .catch(function () {
        // A failed poll (signed out, server restarting): try again a little later.
        setTimeout(poll, 10000);
      });
  };
  setTimeout(poll, 3000);
})();
