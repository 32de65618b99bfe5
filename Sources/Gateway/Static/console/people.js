// What the console says about the people on both ends of a conversation.

/** Inactive for over 24 hours: the server's flag, or the clock since it was fetched. */
export function isInactive(customer) {
  if (customer.inactive_over_24h) return true;
  // The server's flag is fresh at fetch time; between fetches the clock still moves.
  return !!customer.last_active_at && Date.now() - new Date(customer.last_active_at).getTime() >= 86400000;
}
