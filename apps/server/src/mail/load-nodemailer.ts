/**
 * nodemailer, imported when the first mail goes out rather than at start:
 * it and its dependencies are about 5 MB of resident memory, and most
 * servers mail rarely (registrations, resets).
 */
export async function loadNodemailer() {
  return (await import("nodemailer")).default;
}
