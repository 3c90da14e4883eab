import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  generateKeyPairSync,
  type KeyObject,
} from "node:crypto";
import { calculateJwkThumbprint, exportJWK, type JWK } from "jose";
import type { SigningAlgorithm } from "../config.js";

/** A key that signs or verifies access tokens, imported once and kept as KeyObjects. */
export interface SigningKey {
  readonly kid: string;
  readonly algorithm: SigningAlgorithm;
  readonly privateKey: KeyObject;
  /** The verification key; the same secret for HS256. */
  readonly verifyKey: KeyObject;
  /** What the JWKS publishes; null for HS256, whose key must never be published. */
  readonly publicJwk: JWK | null;
}

const CURVE_OF: Partial<Record<SigningAlgorithm, string>> = { EdDSA: "Ed25519", ES256: "P-256" };

/** A key from JWT_SECRET (HS256) or JWT_PRIVATE_KEY (PKCS#8 PEM or a private JWK as JSON). */
export async function signingKeyFromConfig(
  algorithm: SigningAlgorithm,
  material: { secret?: string | undefined; privateKey?: string | undefined },
): Promise<SigningKey | null> {
  if (algorithm === "HS256") {
    if (!material.secret) return null;
    const secret = createSecretKey(Buffer.from(material.secret, "utf8"));
    // A kid that tells keys apart without being a plain hash of the secret.
    const kid = `hs256-${createHmac("sha256", secret).update("warden key id").digest("base64url").slice(0, 16)}`;
    return { kid, algorithm, privateKey: secret, verifyKey: secret, publicJwk: null };
  }
  if (!material.privateKey) return null;
  const text = material.privateKey.trim();
  const privateKey = text.startsWith("{")
    ? createPrivateKey({ key: JSON.parse(text) as import("node:crypto").JsonWebKey, format: "jwk" })
    : createPrivateKey({ key: text.replace(/\\n/g, "\n"), format: "pem" });
  return fromPrivateKey(algorithm, privateKey);
}

/** A fresh key pair, for development and for `warden-server keys rotate`. */
export async function generateSigningKey(algorithm: SigningAlgorithm): Promise<SigningKey> {
  if (algorithm === "HS256")
    throw new Error("HS256 keys come from JWT_SECRET; they are never generated");
  const { privateKey } =
    algorithm === "EdDSA"
      ? generateKeyPairSync("ed25519")
      : algorithm === "ES256"
        ? generateKeyPairSync("ec", { namedCurve: "P-256" })
        : generateKeyPairSync("rsa", { modulusLength: 2048 });
  return fromPrivateKey(algorithm, privateKey);
}

/** Rebuilds a stored key from its private JWK. */
export async function signingKeyFromPrivateJwk(
  algorithm: SigningAlgorithm,
  privateJwk: JWK,
): Promise<SigningKey> {
  const privateKey = createPrivateKey({
    key: privateJwk as import("node:crypto").JsonWebKey,
    format: "jwk",
  });
  return fromPrivateKey(algorithm, privateKey);
}

export async function exportPrivateJwk(key: SigningKey): Promise<JWK> {
  return exportJWK(key.privateKey);
}

async function fromPrivateKey(
  algorithm: SigningAlgorithm,
  privateKey: KeyObject,
): Promise<SigningKey> {
  assertKeyFits(algorithm, privateKey);
  const verifyKey = createPublicKey(privateKey);
  const jwk = await exportJWK(verifyKey);
  const kid = await calculateJwkThumbprint(jwk);
  const publicJwk: JWK = { ...jwk, kid, alg: algorithm, use: "sig" };
  return { kid, algorithm, privateKey, verifyKey, publicJwk };
}

function assertKeyFits(algorithm: SigningAlgorithm, key: KeyObject): void {
  const type = key.asymmetricKeyType;
  const ok =
    (algorithm === "EdDSA" && type === "ed25519") ||
    (algorithm === "ES256" &&
      type === "ec" &&
      key.asymmetricKeyDetails?.namedCurve === "prime256v1") ||
    (algorithm === "RS256" &&
      type === "rsa" &&
      (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048);
  if (!ok) {
    const wanted = CURVE_OF[algorithm] ?? "an RSA key of at least 2048 bits";
    throw new Error(`JWT_PRIVATE_KEY does not fit ${algorithm}: it needs ${wanted}`);
  }
}
