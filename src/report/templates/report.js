(function () {
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var el = id && document.getElementById(id);
    if (el && el.tagName === "DETAILS") { el.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();
  document.addEventListener("click", function (e) {
    var b = e.target.closest ? e.target.closest("[data-expand]") : null;
    if (!b) { return; }
    var open = b.getAttribute("data-expand") === "1";
    document.querySelectorAll("details.finding").forEach(function (d) {
      if (!open || d.offsetParent !== null) { d.open = open; }
    });
  });
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = [];
    document.querySelectorAll("details.finding[data-gap='1']").forEach(function (d) {
      if (!d.open) { d.open = true; opened.push(d); }
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
  });
})();
