// The browser check of supportdesk's HTML report (tests/browser.rs).
//
// tests/browser.rs injects this script first in the <head> of a CHECK COPY
// of the page and loads it in headless Chromium with --dump-dom. From the
// start it records what goes wrong while the page loads: `error` events
// (script errors and elements whose resource failed), CSP violations and
// console.error calls. After `load` (and the fonts) it measures the layout
// and writes every problem found as JSON into <pre id="sd-check">, appended
// to the body, which the test reads from the dumped DOM. The JSON is ASCII
// only, with <, > and & escaped as \uXXXX, so the DOM serialiser leaves it
// as it is.
//
// Checks (each problem is {check, detail}; all of them are collected):
//   overflow          an element's box extends beyond the document's client
//                     width (only the outermost such element is reported,
//                     with the number of its descendants that do too)
//   overlap           two <text> of one chart overlap by more than 1 px in
//                     both axes
//   text-outside-svg  a <text> sticks out of its chart's box (> 0.5 px)
//   accessibility     a chart (<svg> not inside another <svg>) lacks
//                     role="img" or a non-empty <title> child
//   resource          the page loaded (or tried to load) a resource: it
//                     must be self-contained
//   js-error          an uncaught error or unhandled rejection
//   csp               a Content-Security-Policy violation
//   console-error     a console.error call
(function () {
  'use strict';

  var OVERLAP_PX = 1;
  var EDGE_PX = 0.5;
  var problems = [];
  var failedLoads = [];

  function note(check, detail, message) {
    var p = { check: check, detail: String(detail) };
    if (message !== undefined) {
      p.message = String(message);
    }
    problems.push(p);
  }

  function snippet(text, max) {
    var t = String(text || '').replace(/\s+/g, ' ').trim();
    return t.length > max ? t.slice(0, max - 3) + '...' : t;
  }

  function px(v) {
    return Math.round(v * 10) / 10;
  }

  function describe(el) {
    var s = '<' + el.tagName.toLowerCase();
    if (el.id) {
      s += ' id="' + el.id + '"';
    }
    var cls = el.getAttribute('class');
    if (cls) {
      s += ' class="' + cls + '"';
    }
    s += '>';
    var text = snippet(el.textContent, 60);
    if (text) {
      s += ' "' + text + '"';
    }
    return s;
  }

  // Before the page runs: errors, CSP violations, console.error.
  window.addEventListener('error', function (e) {
    var t = e.target;
    if (t && t !== window && t.tagName) {
      var url = t.currentSrc || t.src || t.href || t.getAttribute('href') || t.getAttribute('data') || '';
      if (url && typeof url === 'object' && 'baseVal' in url) {
        url = url.baseVal;
      }
      failedLoads.push({ url: String(url), what: describe(t) });
      return;
    }
    var where = e.filename ? ' (' + e.filename + ':' + e.lineno + ')' : '';
    note('js-error', (e.message || 'error') + where, e.message || '');
  }, true);
  window.addEventListener('unhandledrejection', function (e) {
    note('js-error', 'unhandled promise rejection: ' + e.reason, 'Uncaught (in promise) ' + e.reason);
  });
  document.addEventListener('securitypolicyviolation', function (e) {
    var where = e.sourceFile ? ' (' + e.sourceFile + ':' + e.lineNumber + ')' : '';
    note('csp', 'directive ' + e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)') + where);
  }, true);
  var originalError = console.error;
  console.error = function () {
    var args = Array.prototype.slice.call(arguments);
    var text = args.map(String).join(' ');
    note('console-error', text, text);
    try {
      // Tagged so that the test's reading of Chromium's stderr (which logs
      // every console level alike) knows it for an error.
      originalError.apply(console, ['[console.error]'].concat(args));
    } catch (_) {
      // The report of the call above is enough.
    }
  };

  function charts() {
    return Array.prototype.filter.call(document.querySelectorAll('svg'), function (svg) {
      return !(svg.parentElement && svg.parentElement.closest('svg'));
    });
  }

  function chartName(svg, index) {
    return svg.id ? 'chart #' + svg.id : 'chart ' + (index + 1) + ' (no id)';
  }

  function visible(el, r) {
    if (r.width <= 0 || r.height <= 0) {
      return false;
    }
    var cs = getComputedStyle(el);
    return cs.visibility !== 'hidden' && cs.display !== 'none';
  }

  function checkOverflow(clientWidth) {
    var els = document.body ? [document.body].concat(Array.prototype.slice.call(document.body.querySelectorAll('*'))) : [];
    var wide = [];
    var wideSet = new Set();
    els.forEach(function (el) {
      var r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) {
        return;
      }
      var left = r.left + window.scrollX;
      var right = r.right + window.scrollX;
      if (right > clientWidth + EDGE_PX || left < -EDGE_PX) {
        wide.push({ el: el, left: left, right: right, width: r.width });
        wideSet.add(el);
      }
    });
    wide.forEach(function (w) {
      var parent = w.el.parentElement;
      while (parent) {
        if (wideSet.has(parent)) {
          return;
        }
        parent = parent.parentElement;
      }
      var inside = wide.filter(function (o) {
        return o.el !== w.el && w.el.contains(o.el);
      }).length;
      note('overflow', describe(w.el) + ' is ' + px(w.width) + ' px wide and spans x ' + px(w.left) + '..' +
        px(w.right) + ', beyond the client width of ' + clientWidth + ' px' +
        (inside ? ' (and ' + inside + ' of its descendants)' : ''));
    });
    return els.length;
  }

  function checkCharts() {
    var texts = 0;
    var list = charts();
    list.forEach(function (svg, index) {
      var name = chartName(svg, index);
      // (4) a text alternative.
      var role = svg.getAttribute('role');
      var title = Array.prototype.find.call(svg.children, function (c) {
        return c.tagName.toLowerCase() === 'title';
      });
      if (role !== 'img') {
        note('accessibility', name + ': role is ' + (role === null ? 'missing' : '"' + role + '"') + ', not "img"');
      }
      if (!title || !title.textContent.trim()) {
        note('accessibility', name + ': no non-empty <title> (text alternative)');
      }
      // (2) overlapping texts, (3) texts out of the chart's box.
      var box = svg.getBoundingClientRect();
      var items = [];
      Array.prototype.forEach.call(svg.querySelectorAll('text'), function (t) {
        var r = t.getBoundingClientRect();
        if (!visible(t, r)) {
          return;
        }
        items.push({ r: r, text: snippet(t.textContent, 50) });
      });
      texts += items.length;
      items.forEach(function (a) {
        var out = [];
        if (a.r.left < box.left - EDGE_PX) { out.push(px(box.left - a.r.left) + ' px left'); }
        if (a.r.right > box.right + EDGE_PX) { out.push(px(a.r.right - box.right) + ' px right'); }
        if (a.r.top < box.top - EDGE_PX) { out.push(px(box.top - a.r.top) + ' px above'); }
        if (a.r.bottom > box.bottom + EDGE_PX) { out.push(px(a.r.bottom - box.bottom) + ' px below'); }
        if (out.length) {
          note('text-outside-svg', name + ': "' + a.text + '" sticks out of the chart by ' + out.join(', '));
        }
      });
      for (var i = 0; i < items.length; i++) {
        for (var j = i + 1; j < items.length; j++) {
          var a = items[i].r;
          var b = items[j].r;
          var ox = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          var oy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (ox > OVERLAP_PX && oy > OVERLAP_PX) {
            note('overlap', name + ': "' + items[i].text + '" and "' + items[j].text + '" overlap by ' +
              px(ox) + ' x ' + px(oy) + ' px');
          }
        }
      }
    });
    return { svgs: list.length, texts: texts };
  }

  function checkResources() {
    var entries = performance.getEntriesByType('resource');
    var seen = new Set();
    entries.forEach(function (e) {
      seen.add(e.name);
      note('resource', 'loaded ' + e.name + ' (' + e.initiatorType + '): the page must be self-contained');
    });
    failedLoads.forEach(function (f) {
      if (!seen.has(f.url)) {
        note('resource', f.what + ' tried to load ' + (f.url || '(unknown)') + ': the page must be self-contained');
      }
    });
    return entries.length;
  }

  function ascii(json) {
    return json.replace(/[\u007f-\uffff<>&]/g, function (c) {
      return '\\u' + ('0000' + c.charCodeAt(0).toString(16)).slice(-4);
    });
  }

  function publish(result) {
    var pre = document.createElement('pre');
    pre.id = 'sd-check';
    pre.textContent = ascii(JSON.stringify(result));
    (document.body || document.documentElement).appendChild(pre);
  }

  function run() {
    var result = {};
    try {
      var root = document.documentElement;
      var clientWidth = root.clientWidth;
      result.width = window.innerWidth;
      result.clientWidth = clientWidth;
      result.scrollWidth = root.scrollWidth;
      result.scrollHeight = Math.max(root.scrollHeight, document.body ? document.body.scrollHeight : 0);
      var elements = checkOverflow(clientWidth);
      var c = checkCharts();
      var resources = checkResources();
      result.counts = { elements: elements, svgs: c.svgs, texts: c.texts, resources: resources };
    } catch (e) {
      result.fatal = 'the check script failed: ' + (e && e.stack ? e.stack : e);
    }
    result.problems = problems;
    publish(result);
  }

  window.addEventListener('load', function () {
    var fonts = document.fonts && document.fonts.ready ? document.fonts.ready : Promise.resolve();
    fonts.then(function () {
      setTimeout(run, 0);
    }, function () {
      setTimeout(run, 0);
    });
  });
})();
