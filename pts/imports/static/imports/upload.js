// The upload form: offer only the saved column matchings of the chosen kind of file.
(function () {
  "use strict";
  var layout = document.getElementById("id_layout");
  var mapping = document.getElementById("id_mapping");
  if (!layout || !mapping) { return; }
  function filter() {
    Array.prototype.forEach.call(mapping.options, function (option) {
      var kind = option.getAttribute("data-layout");
      var show = !kind || kind === layout.value;
      option.hidden = !show;
      option.disabled = !show;
      if (!show && option.selected) { mapping.value = ""; }
    });
  }
  layout.addEventListener("change", filter);
  filter();
}());
