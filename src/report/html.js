// Copy buttons for fix commands, and every scenario opened for printing. The report reads no data
// from here: everything shown is in the HTML, escaped, and works without this script.
(function () {
  "use strict";
  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (e) {
      copied = false;
    }
    document.body.removeChild(area);
    return copied;
  }
  function show(button, copied) {
    button.textContent = copied ? "Copied" : "Select and copy";
    window.setTimeout(function () {
      button.textContent = "Copy";
    }, 2000);
  }
  var buttons = document.querySelectorAll("button.copy");
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var code = button.parentNode.querySelector("code");
      var text = code ? code.textContent : "";
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () {
            show(button, true);
          },
          function () {
            show(button, fallbackCopy(text));
          }
        );
      } else {
        show(button, fallbackCopy(text));
      }
    });
  });
  window.addEventListener("beforeprint", function () {
    Array.prototype.forEach.call(document.querySelectorAll("details"), function (d) {
      d.open = true;
    });
  });
})();
