// The open conversation's customer: picture and name (from their profile, when Herald has it)
// above first and last activity, message count and the 24-hour window.

import { el, timeEl } from "./dom.js";
import { els, state } from "./state.js";
import { avatar, customerName, isInactive } from "./people.js";

const PROFILE_STATUS_TEXT = { pending: "profile not fetched yet", unavailable: "no profile from Messenger" };

/** Shows the customer resource's facts; null shows the PSID and dashes (not loaded, or unknown customer). */
export function renderCustomerInfo(customer) {
  renderIdentity(customer, (customer && customer.psid) || state.openPsid);
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

// Re-rendered only when the name, picture or profile status changed, so a picture is not
// reloaded on every live event.
function renderIdentity(customer, psid) {
  const name = customerName(customer);
  const status = customer && customer.profile_status;
  const signature = [psid, name, customer && customer.profile_pic, status].join("|");
  if (els.customerAvatar.dataset.signature === signature) return;
  els.customerAvatar.dataset.signature = signature;
  els.customerAvatar.replaceChildren(avatar(customer, psid, "large", "customer-picture"));
  els.conversationTitle.textContent = name || "Customer " + psid;
  const note = PROFILE_STATUS_TEXT[status];
  els.customerPsid.textContent = (name ? "PSID " + psid : "") + (name && note ? " · " : "") + (note || "");
  els.customerPsid.hidden = !els.customerPsid.textContent;
}
