/* themeflow: progressive enhancement for citation markers.
 *
 * Without JavaScript a citation [n] is a plain link to /documents/{id}#p{n}, where the paragraph is
 * highlighted by CSS :target. With it, clicking [n] opens the cited paragraph in place, right under the
 * bullet, from a <template> the server rendered (escaped) into the page — no request, no innerHTML.
 */
(function () {
  "use strict";

  function toggle(link) {
    var key = link.getAttribute("data-src");
    var tpl = key && document.getElementById(key);
    if (!tpl || !tpl.content) return false;
    var host = link.closest("li") || link.parentElement;
    var open = host.querySelector(":scope > .src-panel[data-for='" + key + "']");
    if (open) {
      open.remove();
      link.classList.remove("open");
      link.setAttribute("aria-expanded", "false");
      return true;
    }
    var panel = document.createElement("blockquote");
    panel.className = "src-panel";
    panel.setAttribute("data-for", key);
    panel.appendChild(tpl.content.cloneNode(true));
    host.appendChild(panel);
    link.classList.add("open");
    link.setAttribute("aria-expanded", "true");
    return true;
  }

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest && event.target.closest("a.cite[data-src]");
    if (link && toggle(link)) event.preventDefault();
  });

  /* Filters apply as soon as they change (the 搜索 button still works without JavaScript). */
  document.addEventListener("change", function (event) {
    var el = event.target;
    var form = el.form;
    if (form && form.classList.contains("search") && el.name !== "q" && form.q.value.trim()) form.submit();
  });

  /* Confirm before destructive form posts (data-confirm on the form). */
  document.addEventListener("submit", function (event) {
    var msg = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) event.preventDefault();
  });
})();
