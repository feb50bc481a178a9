// The storefront's pages, routed by the URL's hash: #/ (what's on), #/show/<id>, #/booking/<id>,
// #/bookings, #/sign-in, #/check-in. Each page renders into <main> and may return a cleanup
// function (timers, polls) run when the person leaves it.
import { api, ApiError, currentUser, follow, loadSession, signIn, signOut } from "./api.js";
import { clock, countdown, day, dayKey, esc, money, tierName, when } from "./format.js";
import { SeatMap, seatLabel, STATUS_TEXT } from "./seatmap.js";

const main = document.getElementById("main");
const live = document.getElementById("live");
const POLL_MS = 2000;
let current = null; // the view on screen: {stale, cleanup, painted}
const STALE = new Error("stale view");

const announce = (text) => {
  live.textContent = "";
  setTimeout(() => (live.textContent = text), 30);
};
const user = () => currentUser();
const errorText = (error) => (error instanceof ApiError ? error.message : "Something went wrong; try again.");

// Paint a page of ``view``; a view the person already left (a slow fetch) paints nothing. Focus
// moves to the heading only on a view's first paint, not on its live updates.
function page(view, title, html) {
  if (view.stale) throw STALE;
  document.title = `${title} · Ticketing`;
  main.innerHTML = html;
  const h1 = main.querySelector("h1");
  if (h1 && !view.painted) {
    h1.tabIndex = -1;
    h1.focus({ preventScroll: true });
  }
  view.painted = true;
}

function paintHeader() {
  const who = document.getElementById("who");
  const me = user();
  document.getElementById("nav-checkin").hidden = !(me && (me.roles.includes("staff") || me.roles.includes("admin")));
  if (me) {
    who.innerHTML = `<span>Signed in as <strong>${esc(me.name || "you")}</strong></span> <button type="button" class="link" id="sign-out">Sign out</button>`;
    document.getElementById("sign-out").onclick = async () => {
      await signOut();
      paintHeader();
      location.hash = "#/";
    };
  } else {
    who.innerHTML = `<a href="#/sign-in?next=${encodeURIComponent(location.hash || "#/")}">Sign in</a>`;
  }
}

function needSignIn(view, title) {
  page(view, title, `<h1>${esc(title)}</h1><p>Sign in to see this page.</p>
    <p><a class="button" href="#/sign-in?next=${encodeURIComponent(location.hash)}">Sign in</a></p>`);
}

// ---------------------------------------------------------------- sign-in (development)
function signInPage(params, view) {
  const next = params.get("next") || "#/";
  page(view, "Sign in", `<h1>Sign in</h1>
    <p>Development sign-in: pick a demo user, or type any name to become a new customer.</p>
    <div class="choices">
      <button type="button" data-name="alice">Sign in as alice</button>
      <button type="button" data-name="bob">Sign in as bob</button>
      <button type="button" data-name="sam">Sign in as sam (staff)</button>
    </div>
    <form id="sign-in-form" class="stack" novalidate>
      <label for="name">Your name</label>
      <p class="hint" id="name-hint">Letters, digits, spaces, dots, dashes; up to 40.</p>
      <p class="error" id="name-error" hidden></p>
      <input id="name" name="name" autocomplete="username" aria-describedby="name-hint" maxlength="40">
      <button type="submit">Sign in</button>
    </form>`);
  const go = async (name) => {
    const error = document.getElementById("name-error");
    try {
      await signIn(name);
      paintHeader();
      location.hash = next;
    } catch (e) {
      error.hidden = false;
      error.textContent = e instanceof ApiError && e.status === 404
        ? "Development sign-in is switched off here: use your organisation's sign-in."
        : `Enter a name that starts with a letter. ${errorText(e)}`;
      document.getElementById("name").focus();
    }
  };
  for (const button of main.querySelectorAll("[data-name]")) button.onclick = () => go(button.dataset.name);
  document.getElementById("sign-in-form").onsubmit = (event) => {
    event.preventDefault();
    go(document.getElementById("name").value.trim());
  };
}

// ---------------------------------------------------------------- what's on
async function allShows(theatreId) {
  const shows = [];
  let pageToken = "";
  for (let i = 0; i < 10; i++) {
    const query = new URLSearchParams({ bookableOnly: "true", pageSize: "100" });
    if (theatreId) query.set("theatreId", theatreId);
    if (pageToken) query.set("pageToken", pageToken);
    const reply = await api(`/shows?${query}`);
    shows.push(...reply.shows);
    pageToken = reply.nextPageToken;
    if (!pageToken) break;
  }
  return shows;
}

async function whatsOn(params, view) {
  const theatreId = params.get("theatre") || "";
  const [movies, theatres, shows] = await Promise.all([
    api("/movies?pageSize=100"), api("/theatres?pageSize=100"), allShows(theatreId),
  ]);
  const days = [...new Set(shows.map((s) => dayKey(s.startTime)))].sort();
  const chosen = days.includes(params.get("date")) ? params.get("date") : days[0];
  const link = (date, theatre) => {
    const q = new URLSearchParams();
    if (date) q.set("date", date);
    if (theatre) q.set("theatre", theatre);
    return `#/?${q}`;
  };
  const onDay = shows.filter((s) => dayKey(s.startTime) === chosen).sort((a, b) => a.startTime.localeCompare(b.startTime));
  const byMovie = new Map();
  for (const show of onDay) {
    if (!byMovie.has(show.movieId)) byMovie.set(show.movieId, []);
    byMovie.get(show.movieId).push(show);
  }
  const movieById = new Map(movies.movies.map((m) => [m.id, m]));
  const cards = [...byMovie].map(([movieId, list]) => {
    const movie = movieById.get(movieId) || { title: list[0].movieTitle, genres: [] };
    return `<li class="card movie"><h2>${esc(movie.title)}</h2>
      <p class="meta">${esc([movie.rating, movie.language, movie.durationMinutes && `${movie.durationMinutes} min`, ...(movie.genres || [])].filter(Boolean).join(" · "))}</p>
      ${movie.description ? `<p>${esc(movie.description)}</p>` : ""}
      <ul class="times" aria-label="Showtimes of ${esc(movie.title)}">${list.map((s) =>
        `<li><a class="time" href="#/show/${esc(s.id)}"><span class="visually-hidden">${esc(movie.title)}, ${esc(day(s.startTime))}, </span><strong>${esc(clock(s.startTime))}</strong> <span>${esc(s.theatreName)} · ${esc(s.screenName)}</span>${s.waitingRoom ? `<span class="queue-tag">Waiting room</span>` : ""}</a></li>`).join("")}</ul></li>`;
  });
  page(view, "What's on", `<h1>What's on</h1>
    <form class="filters" id="filters"><label for="theatre">Theatre</label>
      <select id="theatre"><option value="">All theatres</option>${theatres.theatres.map((t) =>
        `<option value="${esc(t.id)}"${t.id === theatreId ? " selected" : ""}>${esc(t.name)}, ${esc(t.city)}</option>`).join("")}</select></form>
    ${days.length ? `<nav class="days" aria-label="Dates">${days.map((d) =>
      `<a href="${link(d, theatreId)}"${d === chosen ? ' aria-current="date"' : ""}>${esc(day(`${d}T12:00:00`))}</a>`).join("")}</nav>` : ""}
    ${cards.length ? `<ul class="movies">${cards.join("")}</ul>` : "<p>No shows are on sale for this choice. Try another theatre.</p>"}`);
  document.getElementById("theatre").onchange = (event) => {
    location.hash = link(chosen, event.target.value);
  };
}

// ---------------------------------------------------------------- show: waiting room, seat map
const HOLD_CAP = 10; // the most seats one hold may take (the API's MAX_SEATS_PER_REQUEST)

const mapPathOf = (showId) => {
  const me = user();
  return `/seats/shows/${showId}${me ? `?userId=${me.userId}` : ""}`;
};

function showFacts(show) {
  return `<dl class="facts"><dt>Theatre</dt><dd>${esc(show.theatreName)}, ${esc(show.city)}</dd>
      <dt>Screen</dt><dd>${esc(show.screenName)}</dd><dt>Starts</dt><dd>${esc(when(show.startTime))}</dd></dl>`;
}

// The queue view again (a hold was refused for want of an admission pass, or the pass ran out).
function toQueue(showId) {
  const target = `#/show/${showId}?queue=1`;
  if (location.hash === target) route();
  else location.hash = target;
}

async function queuePlace(showId) {
  try {
    return await api(`/shows/${showId}/queue`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null; // not in the queue (yet)
    throw e;
  }
}

async function showPage(showId, params, view) {
  // The seat map (the big one) is asked for at once, beside the show; the layout needs the show.
  const seatMap = api(mapPathOf(showId));
  seatMap.catch(() => null);
  const show = await api(`/shows/${showId}`);
  if (!show.waitingRoom) return seatPage(show, seatMap, view, null);
  const place = user() ? await queuePlace(showId) : null;
  if (place && place.admitted) return seatPage(show, seatMap, view, place);
  let inner = null;
  const leave = waitingRoomPage(show, place, view, params.has("queue"), (admitted) => {
    view.painted = false; // the seats are a new page: focus goes to its heading
    seatPage(show, api(mapPathOf(showId)), view, admitted).then((done) => {
      if (view.stale) {
        if (done) done();
      } else inner = done;
    }, (e) => {
      if (e !== STALE && !view.stale) page(view, "Problem", `<h1>Sorry, that did not work</h1><p class="notice error">${esc(errorText(e))}</p>`);
    });
  });
  return () => {
    leave();
    if (inner) inner();
  };
}

const waitText = (seconds) => {
  if (seconds < 60) return "less than a minute";
  const minutes = Math.round(seconds / 60);
  return `about ${minutes} minute${minutes > 1 ? "s" : ""}`;
};

// A guarded show: join its queue, follow your place (the status stream; polling when it is not
// open) and move on to the seats by yourself once admitted.
function waitingRoomPage(show, initial, view, refused, onAdmitted) {
  let place = initial;
  let error = "";
  let busy = false;
  let finished = false;
  let controller = null;
  let poll = null;
  const onSale = Date.parse(show.onSaleAt);
  const room = show.waitingRoom;
  const beforeSale = () => Date.now() < onSale;
  page(view, show.movieTitle, `<h1>${esc(show.movieTitle)}</h1>${showFacts(show)}
    <section class="panel queue" aria-labelledby="queue-h"><h2 id="queue-h">Waiting room</h2>
      <p id="on-sale"></p>
      <p>People are let in a few at a time, in queue order (${esc(room.admitPerMinute)} a minute). Whoever joins
        before the on-sale gets a place drawn by lot, so there is no need to rush; whoever joins later queues at the back.</p>
      ${refused ? `<p class="notice" role="alert">Holding seats for this show needs a turn from its waiting room first.</p>` : ""}
      <div id="queue-body"></div></section>`);
  const body = document.getElementById("queue-body");
  const onSaleEl = document.getElementById("on-sale");

  function drawOnSale() {
    onSaleEl.innerHTML = beforeSale()
      ? `Seats go on sale at <strong>${esc(when(show.onSaleAt))}</strong>, in <span class="count">${countdown(onSale - Date.now())}</span>.`
      : `Seats are on sale since ${esc(when(show.onSaleAt))}.`;
  }

  function draw() {
    if (view.stale || finished) return;
    const errorHtml = error ? `<p class="notice error" role="alert">${esc(error)}</p>` : "";
    if (!user()) {
      body.innerHTML = `<p><a class="button" href="#/sign-in?next=${encodeURIComponent(`#/show/${show.id}`)}">Sign in to join the queue</a></p>`;
    } else if (!place || place.state === "PASS_EXPIRED") {
      const again = place && place.state === "PASS_EXPIRED";
      body.innerHTML = `${again ? `<p class="notice">Your turn ran out${place.passExpiresAt ? ` at ${esc(clock(place.passExpiresAt))}` : ""}. Join again to queue at the back.</p>` : ""}${errorHtml}
        <div class="actions"><button type="button" id="join" ${busy ? "disabled" : ""}>${again ? "Join the queue again" : "Join the queue"}</button></div>`;
      document.getElementById("join").onclick = join;
    } else {
      const lottery = place.inLottery && beforeSale();
      body.innerHTML = `<div class="place" id="place" tabindex="-1">
          <p class="position">You are number <strong>${esc(place.position)}</strong> in the queue</p>
          <dl class="facts"><dt>People ahead of you</dt><dd>${esc(place.peopleAhead)}</dd>
            <dt>Estimated wait</dt><dd>${esc(waitText(place.estimatedWaitSeconds))}</dd></dl>
          ${lottery ? `<p class="hint">You joined before the on-sale: places are drawn by lot at ${esc(clock(show.onSaleAt))}, so yours may change until then.</p>` : ""}
          <p class="hint">Keep this page open: it moves on to the seats by itself when it is your turn.</p></div>${errorHtml}`;
    }
  }

  function update(fresh) {
    if (finished) return;
    place = fresh;
    if (place.admitted) {
      stop(true);
      announce("It is your turn: pick your seats.");
      onAdmitted(place);
      return;
    }
    if (place.state === "PASS_EXPIRED") stop();
    draw();
  }

  async function check() {
    try {
      update(await api(`/shows/${show.id}/queue`));
    } catch {
      /* try again on the next tick */
    }
  }

  async function listen() {
    controller = new AbortController();
    const signal = controller.signal;
    try {
      await follow(`/shows/${show.id}/queue/events`, (type, data) => type === "status" && update(data), signal);
    } catch {
      if (signal.aborted) return;
    }
    if (!finished && !poll) poll = setInterval(check, POLL_MS); // the stream is gone: poll
  }

  function stop(admitted = false) {
    finished = admitted; // a pass that ran out stays on this page, to join again
    if (controller) controller.abort();
    clearInterval(poll);
    poll = null;
  }

  async function join() {
    busy = true;
    draw();
    try {
      const joined = await api(`/shows/${show.id}/queue`, { method: "POST" });
      error = "";
      busy = false;
      announce(joined.admitted ? "You are in." : `You joined the queue: you are number ${joined.position}.`);
      update(joined);
      if (!finished) {
        const el = document.getElementById("place");
        if (el) el.focus();
        listen();
      }
    } catch (e) {
      busy = false;
      error = errorText(e);
      draw();
    }
  }

  drawOnSale();
  draw();
  if (place && place.state === "WAITING") listen();
  const timer = setInterval(() => {
    if (!view.stale && !finished) drawOnSale();
  }, 1000);
  return () => {
    finished = true;
    if (controller) controller.abort();
    clearInterval(poll);
    clearInterval(timer);
  };
}

async function seatPage(show, seatMap, view, pass) {
  const showId = show.id;
  const mapPath = () => mapPathOf(showId);
  const [layout, initial] = await Promise.all([api(`/seats/screens/${show.screenId}`), seatMap]);
  const currency = initial.currency;
  const prices = show.prices.map((p) => `<li><span class="swatch tier-${p.tier.toLowerCase()}" aria-hidden="true"></span>${esc(tierName(p.tier))} <strong>${esc(money(p.amount, show.currency))}</strong></li>`).join("");
  const passEnds = pass && pass.passExpiresAt ? Date.parse(pass.passExpiresAt) : null;
  const counts = Array.from({ length: HOLD_CAP }, (_, i) => `<option value="${i + 1}"${i === 1 ? " selected" : ""}>${i + 1}</option>`).join("");
  const tiers = show.prices.map((p) => `<option value="${esc(p.tier)}">${esc(tierName(p.tier))} (${esc(money(p.amount, show.currency))})</option>`).join("");
  page(view, show.movieTitle, `<h1>${esc(show.movieTitle)}</h1>${showFacts(show)}
    ${passEnds ? `<p class="notice ok" id="pass">It is your turn: you can hold and book seats until <strong>${esc(clock(pass.passExpiresAt))}</strong> (<span id="pass-left">${countdown(passEnds - Date.now())}</span> left).</p>` : ""}
    <h2>Prices</h2><ul class="legend prices">${prices}</ul>
    <h2 id="seats-h">Pick your seats</h2>
    <form class="best" id="best" novalidate><fieldset><legend>Or let us choose the best seats together</legend>
      <div class="field"><label for="best-count">Seats</label><select id="best-count">${counts}</select></div>
      <div class="field"><label for="best-tier">Tier</label><select id="best-tier"><option value="">Any tier</option>${tiers}</select></div>
      <button type="submit" id="best-go">Hold the best seats</button>
      <p class="hint">Side by side in one row, in the best free rows, as near the middle as they can be.</p></fieldset></form>
    <ul class="legend statuses" aria-label="Seat statuses">
      <li><span class="key s-available" aria-hidden="true">7</span>Available</li>
      <li><span class="key s-selected" aria-hidden="true">✓</span>Selected or held by you</li>
      <li><span class="key s-held" aria-hidden="true">◌</span>Held by someone else</li>
      <li><span class="key s-booked" aria-hidden="true">✕</span>Sold</li></ul>
    <p class="hint">Tab into the seats, then use the arrow keys; Enter or Space picks a seat.</p>
    <div class="map-wrap"><div class="screen" aria-hidden="true">Screen</div>
      <p class="visually-hidden">The screen is in front of row ${esc(layout.rows[0] ? layout.rows[0].label : "A")}.</p>
      <div class="map" id="map" role="group" aria-labelledby="seats-h"></div></div>
    <section class="summary" aria-label="Your seats" id="summary"></section>`);
  const picked = new Set();
  let holdExpires = null; // ms
  let held = new Set();
  let message = "";
  let info = ""; // what the last best-seats hold gave
  let busy = false;
  const summary = document.getElementById("summary");
  const map = new SeatMap(document.getElementById("map"), layout, initial, {
    onToggle(id, seat) {
      if (!user()) {
        message = "Sign in to pick seats.";
        return draw();
      }
      if (picked.has(id)) picked.delete(id);
      else picked.add(id);
      map.setPicked(id, picked.has(id));
      message = "";
      info = "";
      announce(seatLabel(seat, picked.has(id) ? "selected" : seat.status === "held_by_me" ? "not selected" : seat.status, currency));
      draw();
    },
    onBlocked(seat) {
      message = `Row ${seat.row}, seat ${seat.number} is ${STATUS_TEXT[seat.status]}; pick another.`;
      draw();
      announce(message);
    },
  });
  const adopt = (seatMap) => {
    held = new Set(seatMap.seats.filter((s) => s.status === "held_by_me").map((s) => s.id));
    const expiries = seatMap.seats.filter((s) => s.status === "held_by_me" && s.holdExpiresAt).map((s) => Date.parse(s.holdExpiresAt));
    holdExpires = expiries.length ? Math.min(...expiries) : null;
  };
  adopt(initial);
  for (const id of held) {
    picked.add(id);
    map.setPicked(id, true);
  }
  const seatName = (id) => {
    const s = map.seats.get(id);
    return `${s.row}${s.number}`;
  };
  const total = (ids) => [...ids].reduce((sum, id) => sum + map.seats.get(id).price, 0);
  const same = (a, b) => a.size === b.size && [...a].every((x) => b.has(x));

  function draw() {
    if (view.stale) return;
    const list = [...picked].sort((a, b) => {
      const x = map.seats.get(a), y = map.seats.get(b);
      return x.row.localeCompare(y.row) || x.number - y.number;
    });
    const holding = held.size > 0 && same(picked, held);
    const left = holdExpires ? holdExpires - Date.now() : 0;
    let actions = "";
    if (!user()) {
      actions = `<a class="button" href="#/sign-in?next=${encodeURIComponent(location.hash)}">Sign in to pick seats</a>`;
    } else if (holding) {
      actions = `<p class="timer" role="timer">Held for you for <strong id="hold-left">${countdown(left)}</strong></p>
        <button type="button" id="book" ${busy ? "disabled" : ""}>Book ${held.size} seat${held.size > 1 ? "s" : ""} for ${esc(money(total(held), currency))}</button>
        <button type="button" class="secondary" id="release" ${busy ? "disabled" : ""}>Release seats</button>`;
    } else if (list.length) {
      actions = `<button type="button" id="hold" ${busy ? "disabled" : ""}>Hold ${list.length} seat${list.length > 1 ? "s" : ""}</button>`;
      if (held.size) actions += ` <button type="button" class="secondary" id="release">Release seats</button>`;
    } else if (held.size) {
      actions = `<button type="button" class="secondary" id="release">Release seats</button>`;
    }
    summary.innerHTML = `<p>${list.length ? `<strong>${list.length} seat${list.length > 1 ? "s" : ""}:</strong> ${esc(list.map(seatName).join(", "))} · ${esc(money(total(list), currency))}` : "No seats picked yet."}</p>
      ${info ? `<p class="notice" role="status">${esc(info)}</p>` : ""}${message ? `<p class="notice" role="alert">${esc(message)}</p>` : ""}<div class="actions">${actions}</div>`;
    const on = (id, fn) => {
      const el = document.getElementById(id);
      if (el) el.onclick = fn;
    };
    on("hold", hold);
    on("book", book);
    on("release", release);
  }

  async function hold() {
    busy = true;
    draw();
    try {
      const reply = await api("/bookings/hold-seats", { method: "POST", body: { showId, showSeatIds: [...picked] } });
      const expires = reply.holds.map((h) => Date.parse(h.expiresAt)).filter(Boolean);
      holdExpires = expires.length ? Math.min(...expires) : Date.now() + reply.expiresIn * 1000;
      for (const id of held) if (!picked.has(id)) map.setStatus(id, "available");
      held = new Set(picked);
      for (const id of held) map.setStatus(id, "held_by_me", new Date(holdExpires).toISOString());
      message = "";
      announce(`Held ${held.size} seats for ${countdown(holdExpires - Date.now())} minutes.`);
    } catch (e) {
      if (needsTurn(e)) return;
      message = e instanceof ApiError && e.status === 409
        ? `Someone else just took one of those seats: ${e.message}. Pick another.`
        : errorText(e);
      await refresh();
    }
    busy = false;
    draw();
  }

  async function release() {
    await api(`/bookings/holds/${user().userId}?showId=${showId}`, { method: "DELETE" }).catch(() => null);
    for (const id of held) map.setStatus(id, "available");
    for (const id of picked) map.setPicked(id, false);
    held = new Set();
    picked.clear();
    holdExpires = null;
    info = "";
    message = "Your seats are released.";
    draw();
  }

  async function book() {
    busy = true;
    draw();
    try {
      const booking = await api("/bookings", { method: "POST", idempotent: true, body: { showId, showSeatIds: [...held] } });
      location.hash = `#/booking/${booking.id}`;
    } catch (e) {
      if (needsTurn(e)) return;
      busy = false;
      message = errorText(e);
      draw();
    }
  }

  // 403 ADMISSION_REQUIRED: the show's waiting room has not given this person a turn (or it ran out).
  function needsTurn(e) {
    if (!(e instanceof ApiError && e.code === "ADMISSION_REQUIRED")) return false;
    toQueue(showId);
    return true;
  }

  const seatNames = (seats) => {
    const rows = new Map();
    for (const s of seats) rows.set(s.row, [...(rows.get(s.row) || []), s.number]);
    return [...rows].map(([row, numbers]) => numbers.length > 1
      ? `row ${row}, seats ${Math.min(...numbers)} to ${Math.max(...numbers)}`
      : `row ${row}, seat ${numbers[0]}`).join("; ");
  };

  async function holdBest(event) {
    event.preventDefault();
    const count = Number(document.getElementById("best-count").value);
    const tier = document.getElementById("best-tier").value;
    if (!user()) {
      message = "Sign in to hold seats.";
      return draw();
    }
    busy = true;
    document.getElementById("best-go").disabled = true;
    draw();
    try {
      const body = { showId, count };
      if (tier) body.tier = tier;
      const reply = await api("/bookings/hold-best", { method: "POST", body });
      const expires = reply.holds.map((h) => Date.parse(h.expiresAt)).filter(Boolean);
      holdExpires = expires.length ? Math.min(...expires) : Date.now() + reply.expiresIn * 1000;
      const ids = new Set(reply.seats.map((s) => s.id));
      for (const id of held) if (!ids.has(id)) map.setStatus(id, "available"); // the new hold replaces them
      for (const id of picked) map.setPicked(id, false);
      picked.clear();
      held = ids;
      for (const id of held) {
        picked.add(id);
        map.setStatus(id, "held_by_me", new Date(holdExpires).toISOString());
        map.setPicked(id, true);
      }
      const first = map.buttons.get(reply.seats[0].id);
      if (first) first.scrollIntoView({ block: "center", inline: "center" });
      const where = seatNames(reply.seats);
      const alone = reply.strandedSeats.join(", ");
      const lone = reply.strandedSeats.length > 1 ? `seats ${alone}` : `seat ${alone}`;
      info = reply.strandsSeats
        ? `Held the best ${count === 1 ? "seat" : `${count} seats together`}: ${where}. They leave ${lone} on its own: no block that leaves no single seat was free.`
        : `Held the best ${count === 1 ? "seat" : `${count} seats together`}: ${where}. No seat is left on its own beside them.`;
      message = "";
      announce(info);
    } catch (e) {
      if (needsTurn(e)) return;
      info = "";
      if (e instanceof ApiError && e.code === "NO_ADJACENT_SEATS") {
        message = `There are no ${count} seats side by side left${tier ? ` in ${tierName(tier)}` : ""}. Ask for fewer${tier ? ", another tier" : ""}, or pick seats on the map yourself.`;
      } else {
        message = errorText(e);
      }
      announce(message);
    }
    busy = false;
    const go = document.getElementById("best-go");
    if (go) go.disabled = false;
    draw();
  }
  document.getElementById("best").onsubmit = holdBest;

  async function refresh() {
    let fresh;
    try {
      fresh = await api(mapPath());
    } catch {
      return;
    }
    const changed = map.update(fresh);
    adopt(fresh);
    const lost = changed.filter(({ seat }) => picked.has(seat.id) && seat.status !== "available" && seat.status !== "held_by_me");
    for (const { seat } of lost) {
      picked.delete(seat.id);
      map.setPicked(seat.id, false);
    }
    if (lost.length) {
      message = `Just taken by someone else: ${lost.map(({ seat }) => `row ${seat.row}, seat ${seat.number}`).join("; ")}. Pick another.`;
      announce(message);
    }
    if (changed.length || lost.length) draw();
  }

  function tick() {
    if (passEnds) {
      const el = document.getElementById("pass-left");
      if (passEnds <= Date.now()) return toQueue(showId); // the turn ran out: back to the queue
      if (el) el.textContent = countdown(passEnds - Date.now());
    }
    if (!holdExpires) return;
    const left = holdExpires - Date.now();
    const el = document.getElementById("hold-left");
    if (left <= 0) {
      for (const id of held) {
        map.setStatus(id, "available");
        picked.delete(id);
        map.setPicked(id, false);
      }
      held = new Set();
      holdExpires = null;
      message = "Your hold ran out and the seats went back on sale. Pick seats again.";
      announce(message);
      draw();
    } else if (el) {
      el.textContent = countdown(left);
    }
  }

  // Live updates: the seat stream (server-sent events) says when the show's seats change and the
  // map is read again at once; polling every 2 s stands in while the stream is not open, and
  // every 6 s as a safety net while it is.
  let streamOpen = false;
  let soonTimer = null;
  const soon = () => {
    if (!soonTimer) soonTimer = setTimeout(() => ((soonTimer = null), refresh()), 200);
  };
  const stream = window.EventSource ? new EventSource(`/api/v1/seats/shows/${showId}/events`) : null;
  if (stream) {
    stream.addEventListener("ready", () => ((streamOpen = true), soon()));
    stream.addEventListener("seats", soon);
    stream.addEventListener("reload", soon);
    stream.onerror = () => (streamOpen = false);
  }
  let ticks = 0;
  draw();
  const poll = setInterval(() => {
    ticks += 1;
    if (!streamOpen || ticks % 3 === 0) refresh();
  }, POLL_MS);
  const timer = setInterval(tick, 1000);
  return () => {
    if (stream) stream.close();
    clearTimeout(soonTimer);
    clearInterval(poll);
    clearInterval(timer);
  };
}

// ---------------------------------------------------------------- a booking
const STATUS_LABEL = { PENDING: "Waiting for payment", CONFIRMED: "Confirmed", EXPIRED: "Expired", CANCELLED: "Cancelled", REFUNDED: "Refunded" };
const badge = (status) => `<span class="badge b-${esc(status.toLowerCase())}">${esc(STATUS_LABEL[status] || status)}</span>`;

async function bookingPage(bookingId, params, view) {
  if (!user()) return needSignIn(view, "Your booking");
  let booking = await api(`/bookings/${bookingId}`);
  let note = params.get("paid") === "1" ? "" : "";
  let refundPanel = "";
  let busy = false;
  let tickets = null;
  const loadTickets = async () => {
    if (booking.status !== "CONFIRMED" || tickets) return;
    tickets = await api(`/bookings/${bookingId}/tickets`).catch(() => ({ tickets: [] }));
  };
  await loadTickets();
  const returning = params.has("checkout");

  function draw() {
    if (view.stale) return;
    const b = booking;
    const pending = b.status === "PENDING";
    const failed = pending && b.payment && b.payment.status === "FAILED";
    const paying = pending && b.payment && (b.payment.status === "SUCCEEDED" || (returning && b.payment.status === "PENDING"));
    const seats = b.seats.map((s) => `<li>Row ${esc(s.row)}, seat ${esc(s.number)} · ${esc(tierName(s.tier))} · ${esc(money(s.price, b.currency))}</li>`).join("");
    let state = "";
    if (pending) {
      state = `<p class="timer" role="timer">Pay within <strong id="pay-left">${countdown(Date.parse(b.expiresAt) - Date.now())}</strong> (until ${esc(clock(b.expiresAt))}); then the seats go back on sale.</p>`;
      if (paying) state += `<p class="notice" role="status">Payment received; confirming your booking…</p>`;
      if (failed) state += `<p class="notice error" role="alert">Your payment did not go through; no money was taken. You can try again until ${esc(clock(b.expiresAt))}.</p>`;
      state += `<div class="actions"><button type="button" id="pay" ${busy ? "disabled" : ""}>${failed ? "Try paying again" : "Pay"} ${esc(money(b.totalAmount, b.currency))}</button>
        <button type="button" class="secondary" id="cancel" ${busy ? "disabled" : ""}>Cancel booking</button></div>`;
    } else if (b.status === "CONFIRMED") {
      state = `<p class="notice ok" role="status">Your booking is confirmed. Show a ticket's QR code at the door.</p>
        ${ticketsHtml(tickets, b)}
        <div class="actions"><button type="button" class="secondary" id="refund-quote">Request a refund</button></div>`;
    } else if (b.status === "EXPIRED") {
      state = `<p class="notice">This booking expired before it was paid; the seats went back on sale.</p>`;
    } else if (b.status === "CANCELLED") {
      state = `<p class="notice">You cancelled this booking; the seats went back on sale.</p>`;
    } else if (b.status === "REFUNDED") {
      state = `<p class="notice">Refunded: ${esc(money((b.payment && b.payment.refundedAmount) || 0, b.currency))} of ${esc(money(b.totalAmount, b.currency))} is on its way back to you.</p>`;
    }
    page(view, "Your booking", `<h1>Your booking ${badge(b.status)}</h1>
      <dl class="facts"><dt>Movie</dt><dd>${esc(b.show.movie)}</dd><dt>Theatre</dt><dd>${esc(b.show.theatre)}, ${esc(b.show.city)}</dd>
        <dt>Screen</dt><dd>${esc(b.show.screen)}</dd><dt>Starts</dt><dd>${esc(when(b.show.startTime))}</dd>
        <dt>Status</dt><dd id="booking-status">${esc(b.status)}</dd></dl>
      <h2>Seats</h2><ul class="plain">${seats}</ul>
      <p class="total">Total <strong>${esc(money(b.totalAmount, b.currency))}</strong></p>
      ${state}${note ? `<p class="notice" role="alert">${esc(note)}</p>` : ""}${refundPanel}
      <p><a href="#/bookings">All my bookings</a></p>`);
    const on = (id, fn) => {
      const el = document.getElementById(id);
      if (el) el.onclick = fn;
    };
    on("pay", pay);
    on("cancel", cancel);
    on("refund-quote", quote);
    on("refund-confirm", refund);
    on("refund-keep", () => {
      refundPanel = "";
      draw();
    });
  }

  async function pay() {
    busy = true;
    draw();
    try {
      const session = await api("/payments/initiate", { method: "POST", idempotent: true, body: { bookingId } });
      const back = `${location.origin}/#/booking/${bookingId}?checkout=1`;
      const url = new URL(session.paymentUrl);
      url.searchParams.set("return_to", back);
      location.assign(url.toString());
    } catch (e) {
      busy = false;
      note = errorText(e);
      draw();
    }
  }

  async function cancel() {
    busy = true;
    try {
      booking = await api(`/bookings/${bookingId}/cancel`, { method: "PATCH", body: { reason: "cancelled on the storefront" } });
      note = "";
      announce("Booking cancelled.");
    } catch (e) {
      note = errorText(e);
    }
    busy = false;
    draw();
  }

  async function quote() {
    try {
      const q = await api(`/payments/refund-quote/${bookingId}`);
      refundPanel = q.refundable
        ? `<section class="panel" aria-labelledby="refund-h"><h2 id="refund-h">Refund</h2>
            <p>You would get <strong>${esc(money(q.amount, q.currency))}</strong> back (${esc(q.percent)} % of ${esc(money(q.paidAmount, q.currency))}): ${esc(q.reason)}.</p>
            <div class="actions"><button type="button" id="refund-confirm">Refund ${esc(money(q.amount, q.currency))}</button>
            <button type="button" class="secondary" id="refund-keep">Keep my booking</button></div></section>`
        : `<section class="panel" aria-labelledby="refund-h"><h2 id="refund-h">Refund</h2>
            <p class="notice error" role="alert">No refund is possible: ${esc(q.reason)}.</p></section>`;
    } catch (e) {
      refundPanel = `<p class="notice error" role="alert">${esc(errorText(e))}</p>`;
    }
    draw();
  }

  async function refund() {
    try {
      await api(`/payments/refund/${bookingId}`, { method: "POST", idempotent: true, body: {} });
      refundPanel = `<p class="notice" role="status">Refund requested; updating your booking…</p>`;
    } catch (e) {
      refundPanel = `<p class="notice error" role="alert">${esc(errorText(e))}</p>`;
    }
    draw();
  }

  draw();
  const poll = setInterval(async () => {
    if (booking.status !== "PENDING" && !refundPanel.includes("updating")) return;
    try {
      const fresh = await api(`/bookings/${bookingId}`);
      const changed = fresh.status !== booking.status || JSON.stringify(fresh.payment) !== JSON.stringify(booking.payment);
      booking = fresh;
      if (changed) {
        await loadTickets();
        if (fresh.status !== "PENDING" || fresh.status === "REFUNDED") refundPanel = "";
        announce(`Booking ${STATUS_LABEL[fresh.status] || fresh.status}`);
        draw();
      }
    } catch {
      /* try again on the next tick */
    }
  }, POLL_MS);
  const timer = setInterval(() => {
    const el = document.getElementById("pay-left");
    if (el) el.textContent = countdown(Date.parse(booking.expiresAt) - Date.now());
  }, 1000);
  return () => {
    clearInterval(poll);
    clearInterval(timer);
  };
}

function ticketsHtml(reply, b) {
  if (!reply || !reply.tickets.length) return "";
  return `<h2>Your tickets</h2><ul class="tickets">${reply.tickets.map((t) => `<li class="ticket">
      <img src="${esc(t.qrSvg)}" width="164" height="164" alt="QR code of the ticket for row ${esc(t.row)}, seat ${esc(t.number)}">
      <div><h3>Row ${esc(t.row)}, seat ${esc(t.number)}</h3><p>${esc(tierName(t.tier))} · ${esc(b.show.movie)} · ${esc(when(b.show.startTime))}</p>
      <p class="code">Code <code>${esc(t.code)}</code></p>
      ${t.checkedInAt ? `<p class="badge b-expired">Checked in at ${esc(clock(t.checkedInAt))}</p>` : ""}</div></li>`).join("")}</ul>`;
}

// ---------------------------------------------------------------- check-in (staff)
function checkInPage(params, view) {
  const me = user();
  if (!me) return needSignIn(view, "Check-in");
  if (!me.roles.includes("staff") && !me.roles.includes("admin")) {
    page(view, "Check-in", `<h1>Check-in</h1><p class="notice error">Checking tickets in needs the staff role. Sign in as a member of staff.</p>`);
    return;
  }
  page(view, "Check-in", `<h1>Check-in</h1>
    <form id="check-in-form" class="stack wide" novalidate>
      <label for="code">Ticket code</label>
      <p class="hint" id="code-hint">Scan the QR code into this field, or type the code printed under it.</p>
      <input id="code" name="code" autocomplete="off" spellcheck="false" aria-describedby="code-hint">
      <button type="submit">Check in</button>
    </form>
    <div id="result" aria-live="assertive"></div>`);
  const input = document.getElementById("code");
  const result = document.getElementById("result");
  input.focus();
  document.getElementById("check-in-form").onsubmit = async (event) => {
    event.preventDefault();
    const code = input.value.trim();
    if (!code) {
      result.innerHTML = `<p class="notice error" role="alert">Enter or scan a ticket code.</p>`;
      return;
    }
    try {
      const r = await api("/check-in", { method: "POST", body: { code } });
      const seatText = r.row ? `Row ${r.row}, seat ${r.number}${r.movieTitle ? ` · ${r.movieTitle}` : ""}` : "";
      if (r.outcome === "ADMITTED") {
        result.innerHTML = `<p class="notice ok verdict" role="alert"><strong>Admitted</strong> ${esc(seatText)}</p>`;
      } else if (r.outcome === "ALREADY_CHECKED_IN") {
        result.innerHTML = `<p class="notice error verdict" role="alert"><strong>Refused:</strong> already checked in at ${esc(clock(r.checkedInAt))}. ${esc(seatText)}</p>`;
      } else {
        result.innerHTML = `<p class="notice error verdict" role="alert"><strong>Refused:</strong> ${esc(r.reason)}. ${esc(seatText)}</p>`;
      }
    } catch (e) {
      result.innerHTML = `<p class="notice error verdict" role="alert"><strong>Refused:</strong> ${esc(errorText(e))}</p>`;
    }
    input.select();
  };
}

// ---------------------------------------------------------------- my bookings
async function bookingsPage(params, view) {
  const me = user();
  if (!me) return needSignIn(view, "My bookings");
  const reply = await api(`/bookings/user/${me.userId}?pageSize=50`);
  const rows = reply.bookings.map((b) => `<li class="card"><h2><a href="#/booking/${esc(b.id)}">${esc(b.show ? b.show.movie : "Booking")}</a> ${badge(b.status)}</h2>
      <p class="meta">${esc(b.show ? `${when(b.show.startTime)} · ${b.show.theatre}, ${b.show.screen}` : "")}</p>
      <p>${esc(b.seats.map((s) => `${s.row}${s.number}`).join(", "))} · ${esc(money(b.totalAmount, b.currency))}</p></li>`);
  page(view, "My bookings", `<h1>My bookings</h1>${rows.length ? `<ul class="cards">${rows.join("")}</ul>` : `<p>No bookings yet. <a href="#/">See what's on</a>.</p>`}`);
}

// ---------------------------------------------------------------- router
const routes = [
  [/^#\/?$/, whatsOn],
  [/^#\/show\/([\w-]+)$/, showPage],
  [/^#\/booking\/([\w-]+)$/, bookingPage],
  [/^#\/bookings$/, bookingsPage],
  [/^#\/sign-in$/, signInPage],
  [/^#\/check-in$/, checkInPage],
];

async function route() {
  if (current) {
    current.stale = true;
    if (current.cleanup) current.cleanup();
  }
  const view = { stale: false, cleanup: null, painted: false };
  current = view;
  const [path, query] = (location.hash || "#/").split("?");
  const params = new URLSearchParams(query || "");
  paintHeader();
  for (const [pattern, render] of routes) {
    const match = path.match(pattern);
    if (!match) continue;
    try {
      const done = (await (match[1] ? render(match[1], params, view) : render(params, view))) || null;
      if (view.stale) {
        if (done) done();
      } else view.cleanup = done;
    } catch (e) {
      if (e === STALE || view.stale) return;
      page(view, "Problem", `<h1>Sorry, that did not work</h1><p class="notice error">${esc(errorText(e))}</p><p><a href="#/">Back to what's on</a></p>`);
    }
    return;
  }
  page(view, "Not found", `<h1>Page not found</h1><p><a href="#/">See what's on</a></p>`);
}

window.addEventListener("hashchange", route);
loadSession().catch(() => null).then(() => {
  paintHeader();
  route();
});
