/* The main navigation folds behind a 菜单 button on narrow screens. Loaded in <head> so that the folded state
   applies before the first paint (the "js" class); without JavaScript the navigation is simply always shown. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".navtoggle");
    var header = document.querySelector(".topbar");
    if (button && header) {
      button.addEventListener("click", function () {
        var open = header.classList.toggle("nav-open");
        button.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
  });
  /* Printing shows what a reader would unfold on screen: every <details> opens for the print and closes after. */
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("details:not([open])"), function (d) {
      d.open = true;
      return true;
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
