// The open conversation's customer: first and last activity, message count, the 24-hour window.

import { el, timeEl } from "./dom.js";
import { els } from "./state.js";
import { isInactive } from "./people.js";

/** Shows the customer resource's facts; null shows dashes (not loaded, or unknown customer). */
export function renderCustomerInfo(customer) {
  els.infoFirst.replaceChildren(customer ? timeEl(customer.first_active_at) : "—");
  els.infoLast.replaceChildren(customer ? timeEl(customer.last_active_at) : "—");
  els.infoTotal.textContent = customer ? String(customer.total_messages ?? 0) : "—";
  els.infoWindow.replaceChildren();
  if (!customer || !customer.window_closes_at) {
    els.infoWindow.textContent = customer ? "closed (the customer never wrote)" : "—";
    els.infoWindow.dataset.open = "false";
  } else if (new Date(customer.window_closes_at).getTime() > Date.now()) {
    els.infoWindow.append("open until ", timeEl(customer.window_closes_at, true));
    els.infoWindow.dataset.open = "true";
  } else {
    els.infoWindow.append("closed since ", timeEl(customer.window_closes_at, true));
    els.infoWindow.dataset.open = "false";
  }
  if (customer && isInactive(customer)) {
    els.infoWindow.append(" ", el("span", { class: "badge inactive", text: "inactive over 24 h" }));
  }
}
