// The seat map: rows as the screen is laid out (missing numbers are gaps), one <button> per seat
// with a full label, a roving tabindex (Tab enters the map, arrow keys move), status shown by a
// symbol and text as well as colour. update() patches only the seats whose status changed.
import { esc, money, tierName } from "./format.js";

export const STATUS_TEXT = {
  available: "available",
  selected: "selected",
  held_by_me: "held by you",
  held: "held by someone else",
  booked: "sold",
  unknown: "unavailable",
};
// The status symbols (✓ yours, ◌ held, ✕ sold) and the price are drawn by CSS (app.css), so a
// seat's visible text stays part of its accessible name.

export function seatLabel(seat, status, currency) {
  return `Row ${seat.row}, seat ${seat.number}, ${tierName(seat.tier)}, ${money(seat.price, currency)}, ${STATUS_TEXT[status] || status}`;
}

export class SeatMap {
  constructor(container, layout, seatMap, { onToggle, onBlocked }) {
    this.container = container;
    this.currency = seatMap.currency;
    this.onToggle = onToggle;
    this.onBlocked = onBlocked;
    this.seats = new Map(); // id -> seat (row, number, tier, price, status)
    this.buttons = new Map(); // id -> button
    this.byPlace = new Map(); // "row:number" -> seat
    for (const seat of seatMap.seats) {
      this.seats.set(seat.id, { ...seat });
      this.byPlace.set(`${seat.row}:${seat.number}`, seat.id);
    }
    this.render(layout);
  }

  viewStatus(seat) {
    return seat.picked && seat.status === "available" ? "selected" : seat.status;
  }

  render(layout) {
    const rows = layout.rows;
    const width = Math.max(1, ...rows.flatMap((row) => row.seats.map((s) => s.number)));
    const html = [];
    for (const row of rows) {
      html.push(`<div class="row" role="group" aria-label="Row ${esc(row.label)}" style="--cols:${width}">`);
      html.push(`<span class="row-label" aria-hidden="true">${esc(row.label)}</span>`);
      for (const place of row.seats) {
        const id = this.byPlace.get(`${row.label}:${place.number}`);
        const seat = id && this.seats.get(id);
        if (!seat) continue;
        const status = this.viewStatus(seat);
        html.push(
          `<button type="button" class="seat tier-${seat.tier.toLowerCase()} s-${status}" data-id="${esc(id)}" data-price="${esc(money(seat.price, this.currency).replace(/\s/g, ""))}"` +
            ` style="grid-column:${place.number + 1}" tabindex="-1" aria-label="${esc(seatLabel(seat, status, this.currency))}"` +
            `${status === "selected" || status === "held_by_me" ? ' aria-pressed="true"' : ' aria-pressed="false"'}>` +
            `<span class="n">${seat.number}</span></button>`,
        );
      }
      html.push(`<span class="row-label end" aria-hidden="true" style="grid-column:${width + 2}">${esc(row.label)}</span></div>`);
    }
    this.container.innerHTML = html.join("");
    for (const button of this.container.querySelectorAll("button.seat")) {
      this.buttons.set(button.dataset.id, button);
    }
    const first = this.container.querySelector("button.seat");
    if (first) first.tabIndex = 0;
    this.container.addEventListener("click", (event) => {
      const button = event.target.closest("button.seat");
      if (button) this.activate(button.dataset.id);
    });
    this.container.addEventListener("keydown", (event) => this.keydown(event));
  }

  activate(id) {
    const seat = this.seats.get(id);
    if (!seat) return;
    this.focus(id, false);
    if (seat.status === "available" || seat.status === "held_by_me") {
      this.onToggle(id, seat);
    } else {
      this.onBlocked(seat);
    }
  }

  paint(id) {
    const seat = this.seats.get(id);
    const button = this.buttons.get(id);
    if (!seat || !button) return;
    const status = this.viewStatus(seat);
    button.className = `seat tier-${seat.tier.toLowerCase()} s-${status}`;
    button.setAttribute("aria-label", seatLabel(seat, status, this.currency));
    button.setAttribute("aria-pressed", String(status === "selected" || status === "held_by_me"));
  }

  setPicked(id, picked) {
    const seat = this.seats.get(id);
    if (seat) {
      seat.picked = picked;
      this.paint(id);
    }
  }

  setStatus(id, status, holdExpiresAt = null) {
    const seat = this.seats.get(id);
    if (!seat) return;
    seat.status = status;
    seat.holdExpiresAt = holdExpiresAt;
    this.paint(id);
  }

  // Apply a fresh seat map; returns the seats that changed, with their previous status.
  update(seatMap) {
    const changed = [];
    for (const fresh of seatMap.seats) {
      const seat = this.seats.get(fresh.id);
      if (!seat) continue;
      const previous = seat.status;
      seat.holdExpiresAt = fresh.holdExpiresAt || null;
      if (previous !== fresh.status) {
        seat.status = fresh.status;
        changed.push({ seat, previous });
        this.paint(fresh.id);
        const button = this.buttons.get(fresh.id);
        if (button && fresh.status !== "available" && fresh.status !== "held_by_me") {
          button.classList.add("just-taken");
          setTimeout(() => button.classList.remove("just-taken"), 1500);
        }
      }
    }
    return changed;
  }

  focus(id, move = true) {
    for (const button of this.container.querySelectorAll('button.seat[tabindex="0"]')) button.tabIndex = -1;
    const button = this.buttons.get(id);
    if (!button) return;
    button.tabIndex = 0;
    if (move) button.focus();
  }

  keydown(event) {
    const button = event.target.closest("button.seat");
    if (!button) return;
    const seat = this.seats.get(button.dataset.id);
    const rowEl = button.parentElement;
    const inRow = [...rowEl.querySelectorAll("button.seat")];
    const index = inRow.indexOf(button);
    let target = null;
    if (event.key === "ArrowRight") target = inRow[index + 1];
    else if (event.key === "ArrowLeft") target = inRow[index - 1];
    else if (event.key === "Home") target = inRow[0];
    else if (event.key === "End") target = inRow[inRow.length - 1];
    else if (event.key === "ArrowUp" || event.key === "ArrowDown") {
      let other = event.key === "ArrowUp" ? rowEl.previousElementSibling : rowEl.nextElementSibling;
      while (other && !other.querySelector("button.seat")) {
        other = event.key === "ArrowUp" ? other.previousElementSibling : other.nextElementSibling;
      }
      if (other) {
        let best = null;
        for (const candidate of other.querySelectorAll("button.seat")) {
          const c = this.seats.get(candidate.dataset.id);
          if (!best || Math.abs(c.number - seat.number) < Math.abs(this.seats.get(best.dataset.id).number - seat.number)) best = candidate;
        }
        target = best;
      }
    } else return;
    event.preventDefault();
    if (target) this.focus(target.dataset.id);
  }
}
