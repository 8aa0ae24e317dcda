// The account page: sign up through the server (under its registration policy), sign in with the
// Firebase JS SDK, then show the .env block, the user's usage and, for operators, every account.
// Tokens go only into Authorization headers and the SDK's own IndexedDB; never into a URL or storage of ours.
import { initializeApp } from "firebase/app";
import {
  connectAuthEmulator,
  indexedDBLocalPersistence,
  initializeAuth,
  onAuthStateChanged,
  sendEmailVerification,
  sendPasswordResetEmail,
  signInWithEmailAndPassword,
  signOut,
} from "firebase/auth";

const $ = (id) => document.getElementById(id);
const HIDDEN_TOKEN = "•".repeat(24);
let auth = null;
let config = null;
let tokenShown = false;
let operatorUid = null;

class ServerError extends Error {}

function notice(message, kind = "info") {
  const box = $("notice");
  box.textContent = message;
  box.className = `notice ${kind}`;
  box.hidden = !message;
}

function firebaseMessage(err) {
  const messages = {
    "auth/invalid-credential": "Wrong email or password.",
    "auth/wrong-password": "Wrong email or password.",
    "auth/user-not-found": "Wrong email or password.",
    "auth/invalid-email": "That is not a valid email address.",
    "auth/user-disabled": "This account is disabled: ask the server's operator.",
    "auth/too-many-requests": "Too many attempts: wait a little, then try again.",
    "auth/network-request-failed": "Firebase could not be reached: check your connection.",
  };
  return messages[err.code] || err.message || String(err);
}

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (auth.currentUser) headers.Authorization = `Bearer ${await auth.currentUser.getIdToken()}`;
  const response = await fetch(path, { ...options, headers, cache: "no-store" });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ServerError(body.message || `the server answered HTTP ${response.status}`);
  return body;
}

function envText(reveal) {
  const token = auth.currentUser ? auth.currentUser.refreshToken : "";
  return Object.entries(config.env)
    .map(([key, value]) => `${key}=${key === config.refresh_token_key ? (reveal ? token : HIDDEN_TOKEN) : value}`)
    .join("\n") + "\n";
}

function renderEnv() {
  $("env").textContent = envText(tokenShown);
  $("show-token").textContent = tokenShown ? "Hide refresh token" : "Show refresh token";
}

function selectTab(name) {
  for (const tab of ["sign-in", "sign-up", "reset"]) {
    $(`tab-${tab}`).setAttribute("aria-selected", String(tab === name));
    $(`${tab}-form`).hidden = tab !== name;
  }
  notice("");
}

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "—";
}

function seconds(value) {
  return value < 1 ? `${(value * 1000).toFixed(1)} ms` : `${value.toFixed(2)} s`;
}

function cell(row, text, className) {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function standingOf(account) {
  if (account.disabled) return ["Disabled", "status-disabled"];
  if (account.refusal?.reason === "approval_pending") return ["Pending approval", "status-pending"];
  if (account.refusal?.reason === "email_unverified") return ["Email not verified", "status-pending"];
  if (account.refusal) return ["Not admitted", "status-pending"];
  if (account.admin) return ["Operator", "status-ok"];
  return [account.approved ? "Approved" : "Active", "status-ok"];
}

async function showStanding(user) {
  const me = await api("/account/me");
  const standing = $("standing");
  const unverified = me.refusal?.reason === "email_unverified";
  $("recheck").hidden = !unverified;
  $("resend-verification").hidden = !unverified;
  if (me.admitted) {
    standing.textContent = me.admin ? "Operator · your account may call this server." : "Your account may call this server.";
    standing.className = "standing good";
  } else if (me.refusal?.reason === "approval_pending") {
    standing.textContent = "Waiting for an operator's approval. Set up your .env now: calls work once you are approved.";
    standing.className = "standing warn";
  } else if (unverified) {
    standing.textContent = `Verify your email address: follow the link sent to ${user.email}, then press “I have verified my email”.`;
    standing.className = "standing warn";
  } else {
    standing.textContent = me.refusal ? me.refusal.message : "This account cannot call this server.";
    standing.className = "standing bad";
  }
  operatorUid = me.admin ? me.uid : null;
  $("operator").hidden = !me.admin;
  if (me.admin) await showAccounts();
}

// Work by unit over an account's Rpcs: "340 simulations · 12 calls" (units never add across kinds).
function workOf(rpcs) {
  const byUnit = new Map();
  for (const r of rpcs) byUnit.set(r.unit, (byUnit.get(r.unit) || 0) + r.work);
  return [...byUnit].map(([unit, work]) => `${work} ${unit}`).join(" · ") || "0";
}

async function showUsage() {
  const usage = await api("/account/usage");
  const body = $("usage").tBodies[0];
  body.replaceChildren();
  for (const rpc of usage.rpcs) {
    const row = body.insertRow();
    row.dataset.rpc = rpc.rpc;
    cell(row, rpc.rpc);
    cell(row, String(rpc.calls), "num");
    cell(row, String(rpc.errors), "num");
    cell(row, seconds(rpc.seconds), "num");
    cell(row, `${rpc.work} ${rpc.unit}`, "num");
  }
  $("usage-span").textContent = !usage.recorded
    ? "This server does not record usage."
    : usage.first_seen
      ? `First call ${when(usage.first_seen)} · last call ${when(usage.last_seen)}`
      : "No calls yet.";
  $("usage").hidden = usage.rpcs.length === 0;
}

async function showAccounts() {
  const accounts = await api("/account/admin/users");
  const body = $("accounts").tBodies[0];
  body.replaceChildren();
  for (const account of accounts) {
    const row = body.insertRow();
    row.dataset.email = account.email || "";
    const who = cell(row, account.email || account.uid);
    const sub = document.createElement("span");
    sub.className = "sub";
    sub.textContent = account.name ? `${account.name} · ${account.uid}` : account.uid;
    who.append(sub);
    const [status, className] = standingOf(account);
    cell(row, status, className).dataset.status = status;
    const totals = account.usage.rpcs.reduce((t, r) => ({ calls: t.calls + r.calls, errors: t.errors + r.errors, seconds: t.seconds + r.seconds }), { calls: 0, errors: 0, seconds: 0 });
    cell(row, String(totals.calls), "num");
    cell(row, String(totals.errors), "num");
    cell(row, seconds(totals.seconds), "num");
    cell(row, workOf(account.usage.rpcs), "num");
    cell(row, when(account.usage.last_seen), "when");
    const actions = cell(row, "", "row-actions");
    const offer = [];
    if (account.refusal && !account.disabled) offer.push(["approve", "Approve"]);
    if (account.disabled) offer.push(["enable", "Re-enable"]);
    else if (account.uid !== operatorUid) offer.push(["disable", "Disable"]);
    for (const [action, label] of offer) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      button.dataset.action = action;
      button.dataset.email = account.email || "";
      button.addEventListener("click", () => act(button, account, action));
      actions.append(button);
    }
  }
}

async function act(button, account, action) {
  button.disabled = true;
  try {
    await api(`/account/admin/users/${encodeURIComponent(account.uid)}/${action}`, { method: "POST" });
    const done = { approve: "approved", disable: "disabled", enable: "re-enabled" }[action];
    notice(`${account.email || account.uid} is ${done}; it counts from the account's next call.`, "ok");
    await showAccounts();
  } catch (err) {
    notice(err.message, "error");
    button.disabled = false;
  }
}

async function signedIn(user) {
  $("signed-out").hidden = true;
  $("signed-in").hidden = false;
  $("who").textContent = user.email;
  for (const stale of ["standing", "usage-span"]) $(stale).textContent = "";
  for (const table of ["usage", "accounts"]) $(table).tBodies[0].replaceChildren();
  tokenShown = false;
  renderEnv();
  try {
    await showStanding(user);
    await showUsage();
  } catch (err) {
    notice(err.message, "error");
  }
}

function signedOut() {
  $("signed-in").hidden = true;
  $("signed-out").hidden = false;
  $("env").textContent = "";
  $("operator").hidden = true;
  operatorUid = null;
}

function onSubmit(id, handler) {
  $(id).addEventListener("submit", async (event) => {
    event.preventDefault(); // never a form submission: credentials stay out of URLs and request logs
    const button = event.target.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await handler();
    } catch (err) {
      notice(err instanceof ServerError ? err.message : firebaseMessage(err), "error");
    } finally {
      button.disabled = false;
    }
  });
}

function wire() {
  for (const tab of ["sign-in", "sign-up", "reset"]) $(`tab-${tab}`).addEventListener("click", () => selectTab(tab));
  onSubmit("sign-in-form", async () => {
    await signInWithEmailAndPassword(auth, $("sign-in-email").value.trim(), $("sign-in-password").value);
    $("sign-in-password").value = "";
    notice("");
  });
  onSubmit("sign-up-form", async () => {
    const email = $("sign-up-email").value.trim();
    const password = $("sign-up-password").value;
    const name = $("sign-up-name").value.trim() || null;
    await api("/account/signup", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ email, password, name }) });
    const { user } = await signInWithEmailAndPassword(auth, email, password);
    $("sign-up-password").value = "";
    if (config.registration.policy === "domains") {
      await sendEmailVerification(user);
      notice(`Account made. We sent a verification link to ${email}.`, "ok");
    } else {
      notice("Account made: welcome.", "ok");
    }
  });
  onSubmit("reset-form", async () => {
    const email = $("reset-email").value.trim();
    try {
      await sendPasswordResetEmail(auth, email);
    } catch (err) {
      if (err.code !== "auth/user-not-found") throw err; // say the same either way: no account enumeration
    }
    notice(`If ${email} has an account, a link to choose a new password is on its way.`, "ok");
  });
  $("sign-out").addEventListener("click", async () => {
    await signOut(auth);
    notice("Signed out.", "ok");
  });
  $("show-token").addEventListener("click", () => {
    tokenShown = !tokenShown;
    renderEnv();
  });
  $("copy-env").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(envText(true));
      notice("Copied the .env lines, refresh token included.", "ok");
    } catch {
      notice("The browser refused to copy: show the refresh token, then select the lines and copy them.", "error");
    }
  });
  $("download-env").addEventListener("click", () => {
    const url = URL.createObjectURL(new Blob([envText(true)], { type: "text/plain" }));
    const link = document.createElement("a");
    link.href = url;
    link.download = ".env";
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  });
  $("refresh-usage").addEventListener("click", () => showUsage().catch((err) => notice(err.message, "error")));
  $("refresh-accounts").addEventListener("click", () => showAccounts().catch((err) => notice(err.message, "error")));
  $("recheck").addEventListener("click", async () => {
    await auth.currentUser.reload();
    await auth.currentUser.getIdToken(true); // a token that carries email_verified
    await showStanding(auth.currentUser).catch((err) => notice(err.message, "error"));
  });
  $("resend-verification").addEventListener("click", async () => {
    await sendEmailVerification(auth.currentUser);
    notice(`We sent the verification link to ${auth.currentUser.email} again.`, "ok");
  });
}

async function main() {
  $("server-name").textContent = location.host;
  const response = await fetch("/account/config", { cache: "no-store" });
  const body = await response.json().catch(() => ({}));
  $("loading").hidden = true;
  if (!response.ok) {
    notice(body.message || `the server answered HTTP ${response.status}`, "error");
    return;
  }
  config = body;
  $("policy").textContent = config.registration.description;
  if (config.registration.policy === "closed") $("tab-sign-up").hidden = true;
  auth = initializeAuth(initializeApp(config.firebase), { persistence: indexedDBLocalPersistence });
  if (config.emulator) connectAuthEmulator(auth, `http://${config.emulator}`, { disableWarnings: true });
  wire();
  onAuthStateChanged(auth, (user) => (user ? signedIn(user) : signedOut()));
}

main();
