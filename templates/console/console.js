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
