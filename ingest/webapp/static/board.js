/* The lead board's drag and drop for the Leadsource app: ours, version 1.0.0, MIT licence.
   A card with a move form can be dragged to another column. The drop chooses that column's
   status in the card's form and posts the form with fetch (its CSRF token is in the form),
   then swaps in the board the server answers with: its counts, its cards, its message. When
   the answer is no board (signed out, a refusal), the form is submitted as usual, and so it
   is without fetch. Without this script each card's form (a select and Move) does the same,
   by keyboard too. The answer is parsed inertly (DOMParser runs no scripts) and was escaped
   by the server like every page. */
(function () {
  "use strict";
  var board = document.getElementById("lead-board");
  var status = document.getElementById("board-status");
  if (!board || !status || !window.fetch || !window.DOMParser || !window.URLSearchParams) return;
  var dragged = null;

  function arm() {
    Array.prototype.forEach.call(board.querySelectorAll("li.lead-card"), function (card) {
      if (card.querySelector("form.move")) card.setAttribute("draggable", "true");
    });
  }

  function column(node) {
    return node && node.closest ? node.closest("#lead-board .column") : null;
  }

  function unmark() {
    Array.prototype.forEach.call(board.querySelectorAll(".drop-target"), function (col) {
      col.classList.remove("drop-target");
    });
  }

  function count(col, delta) {
    var shown = col.querySelector(".count");
    if (shown) shown.textContent = String((parseInt(shown.textContent, 10) || 0) + delta);
  }

  function message(page) {
    var old = document.getElementById("flash");
    if (old) old.parentNode.removeChild(old);
    var fresh = page.getElementById("flash");
    if (!fresh) return;
    status.parentNode.insertBefore(document.importNode(fresh, true), status.nextSibling);
    status.textContent = fresh.textContent;
  }

  function send(form) {
    status.textContent = "Moving…";
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin",
      headers: { Accept: "text/html" }
    })
      .then(function (response) {
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("lead-board");
        if (!fresh) throw new Error("no board");
        var next = document.importNode(fresh, true);
        board.parentNode.replaceChild(next, board);
        board = next;
        arm();
        message(page);
      })
      .catch(function () {
        form.submit();
      });
  }

  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest("li.lead-card[draggable]") : null;
    if (!card || !board.contains(card)) return;
    dragged = card;
    card.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-id") || "");
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    dragged = null;
    unmark();
  });

  document.addEventListener("dragover", function (event) {
    var col = column(event.target);
    if (!dragged || !col) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (!col.classList.contains("drop-target")) {
      unmark();
      col.classList.add("drop-target");
    }
  });

  document.addEventListener("drop", function (event) {
    var col = column(event.target);
    var card = dragged;
    if (!card || !col) return;
    event.preventDefault();
    unmark();
    var from = column(card);
    var form = card.querySelector("form.move");
    var select = form && form.querySelector("select[name=lead_status]");
    var target = col.getAttribute("data-status");
    if (!select || from === col) return;
    var known = Array.prototype.some.call(select.options, function (option) {
      return option.value === target;
    });
    if (!known) {
      status.textContent = "A card cannot move to an inactive status.";
      return;
    }
    select.value = target;
    // At once on screen; the server's board replaces it when it answers.
    var list = col.querySelector("ol.cards");
    var empty = list.querySelector(".empty-column");
    if (empty) list.removeChild(empty);
    list.insertBefore(card, list.firstChild);
    count(from, -1);
    count(col, 1);
    send(form);
  });

  arm();
})();
