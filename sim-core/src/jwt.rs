//! Tokens shaped like iLert's: RS256 access tokens and HS256 refresh tokens, both JWTs.
//!
//! Access tokens are checked by signature, `exp` and claims, so the API accepts a token it
//! did not keep a record of (as a real resource server would); the store adds revocation.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use sha2::Sha256;
use std::sync::LazyLock;

use crate::random::{self, Entropy};

/// DEMO KEY OF THE SIMULATOR, NOT A SECRET. A fixed 2048-bit RSA key (made once with
/// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`) so that access tokens
/// are real RS256 JWTs whose signature anyone can check with [`DEMO_PUBLIC_KEY_PEM`].
/// It signs nothing but the simulator's own tokens; never use it elsewhere.
const DEMO_PRIVATE_KEY_PEM: &str = include_str!("keys/demo_private_key.pem");

/// The public half of the demo key (SubjectPublicKeyInfo PEM), for checking signatures.
pub const DEMO_PUBLIC_KEY_PEM: &str = include_str!("keys/demo_public_key.pem");

/// The `kid` in every access token's header.
pub const KID: &str = "ilert-sim-demo-1";
pub const ISSUER: &str = "ilert";

static RSA_KEY: LazyLock<SigningKey<Sha256>> = LazyLock::new(|| {
    let key = rsa::RsaPrivateKey::from_pkcs8_pem(DEMO_PRIVATE_KEY_PEM)
        .expect("the embedded demo key is a valid PKCS#8 RSA key");
    SigningKey::new(key)
});

/// Verification uses the published public key file, so the two halves are checked to match.
static RSA_PUBLIC: LazyLock<VerifyingKey<Sha256>> = LazyLock::new(|| {
    let key = rsa::RsaPublicKey::from_public_key_pem(DEMO_PUBLIC_KEY_PEM)
        .expect("the embedded demo public key is a valid SPKI RSA key");
    VerifyingKey::new(key)
});

type HmacSha256 = Hmac<Sha256>;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    /// Undocumented in iLert's tokens (a short hex value); random here.
    pub il_n: String,
    /// The app id of the client.
    pub il_a: u64,
    /// The granted scope, space separated.
    pub il_s: String,
    pub iss: String,
    /// The username.
    pub il_u: String,
    /// `ACCESS` for access tokens.
    pub il_t: String,
    pub il_v: u32,
    pub exp: u64,
    /// Not in iLert's sample; added so two tokens of the same second differ and can be revoked one by one.
    pub iat: u64,
    pub jti: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct RefreshClaims {
    pub iss: String,
    /// `OAUTH` for refresh tokens.
    pub il_t: String,
    pub il_v: u32,
    pub exp: u64,
    /// The refresh token's key in the store.
    pub il_k: String,
}

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    typ: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    kid: Option<String>,
}

/// Why a token was not accepted. The text goes into error messages, never the token.
pub type Rejection = &'static str;

/// The signing keys of one simulator: the fixed demo RSA key and a random HMAC key, so
/// refresh tokens never outlive the state that issued them.
#[derive(Clone)]
pub struct Keys {
    hmac: [u8; 32],
}

impl Keys {
    pub fn new(rng: &mut dyn Entropy) -> Self {
        Keys {
            hmac: random::bytes::<32>(rng),
        }
    }

    /// The HMAC key, for a snapshot of the state.
    pub fn hmac_key(&self) -> [u8; 32] {
        self.hmac
    }

    pub fn from_hmac_key(hmac: [u8; 32]) -> Self {
        Keys { hmac }
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.hmac).expect("HMAC takes any key length")
    }

    pub fn sign_access(&self, claims: &AccessClaims) -> String {
        let header = Header {
            alg: "RS256".into(),
            typ: "JWT".into(),
            kid: Some(KID.into()),
        };
        let input = signing_input(&header, claims);
        // PKCS#1 v1.5 is deterministic: no randomness, same signature as ring gave.
        let sig = RSA_KEY.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
    }

    pub fn sign_refresh(&self, claims: &RefreshClaims) -> String {
        let header = Header {
            alg: "HS256".into(),
            typ: "JWT".into(),
            kid: None,
        };
        let input = signing_input(&header, claims);
        let mut mac = self.mac();
        mac.update(input.as_bytes());
        let tag = mac.finalize().into_bytes();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// Checks an access token's form, RS256 signature, claims and expiry (`now` in seconds).
    pub fn verify_access(&self, token: &str, now: u64) -> Result<AccessClaims, Rejection> {
        let (header, claims, input, sig) = split::<AccessClaims>(token)?;
        // Only RS256 with our kid: refuses `none`, HS256 (refresh tokens) and alg confusion.
        if header.alg != "RS256" || header.kid.as_deref() != Some(KID) {
            return Err("token is not an access token");
        }
        let sig = Signature::try_from(sig.as_slice()).map_err(|_| "token signature is invalid")?;
        RSA_PUBLIC
            .verify(input.as_bytes(), &sig)
            .map_err(|_| "token signature is invalid")?;
        if claims.iss != ISSUER || claims.il_t != "ACCESS" {
            return Err("token is not an access token");
        }
        if claims.exp <= now {
            return Err("token has expired");
        }
        Ok(claims)
    }

    /// Checks a refresh token's form, HS256 signature, claims and expiry.
    pub fn verify_refresh(&self, token: &str, now: u64) -> Result<RefreshClaims, Rejection> {
        let (header, claims, input, sig) = split::<RefreshClaims>(token)?;
        if header.alg != "HS256" {
            return Err("token is not a refresh token");
        }
        let mut mac = self.mac();
        mac.update(input.as_bytes());
        // Constant-time comparison.
        mac.verify_slice(&sig)
            .map_err(|_| "refresh token is unknown")?;
        if claims.iss != ISSUER || claims.il_t != "OAUTH" {
            return Err("token is not a refresh token");
        }
        if claims.exp <= now {
            return Err("refresh token has expired");
        }
        Ok(claims)
    }
}

fn signing_input<C: Serialize>(header: &Header, claims: &C) -> String {
    let h = serde_json::to_vec(header).expect("header serializes");
    let c = serde_json::to_vec(claims).expect("claims serialize");
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(h),
        URL_SAFE_NO_PAD.encode(c)
    )
}

/// Splits a compact JWT into header, claims, signing input and signature bytes.
fn split<C: DeserializeOwned>(token: &str) -> Result<(Header, C, String, Vec<u8>), Rejection> {
    const MALFORMED: Rejection = "token is malformed";
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(MALFORMED);
    };
    let decode = |p: &str| URL_SAFE_NO_PAD.decode(p).map_err(|_| MALFORMED);
    let header: Header = serde_json::from_slice(&decode(h)?).map_err(|_| MALFORMED)?;
    let claims: C = serde_json::from_slice(&decode(c)?).map_err(|_| MALFORMED)?;
    Ok((header, claims, format!("{h}.{c}"), decode(s)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::SeededEntropy;

    fn access(exp: u64) -> AccessClaims {
        AccessClaims {
            il_n: "5cf".into(),
            il_a: 250,
            il_s: "profile".into(),
            iss: "ilert".into(),
            il_u: "ada".into(),
            il_t: "ACCESS".into(),
            il_v: 1,
            exp,
            iat: 1,
            jti: "j".into(),
        }
    }

    #[test]
    fn access_round_trip_and_tamper() {
        let keys = Keys::new(&mut SeededEntropy(1));
        let t = keys.sign_access(&access(100));
        assert_eq!(keys.verify_access(&t, 99).unwrap(), access(100));
        assert_eq!(keys.verify_access(&t, 100), Err("token has expired"));
        // Another simulator (other HMAC key) still accepts it: the RSA key is fixed.
        assert!(Keys::new(&mut SeededEntropy(2))
            .verify_access(&t, 99)
            .is_ok());
        let mut forged = access(100);
        forged.il_u = "grace".into();
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
        let parts: Vec<&str> = t.split('.').collect();
        let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(
            keys.verify_access(&tampered, 99),
            Err("token signature is invalid")
        );
        assert_eq!(keys.verify_access("a.b", 99), Err("token is malformed"));
        assert_eq!(keys.verify_access("", 99), Err("token is malformed"));
    }

    #[test]
    fn refresh_round_trip_and_confusion() {
        let keys = Keys::new(&mut SeededEntropy(1));
        let claims = RefreshClaims {
            iss: "ilert".into(),
            il_t: "OAUTH".into(),
            il_v: 1,
            exp: 50,
            il_k: "ab".into(),
        };
        let r = keys.sign_refresh(&claims);
        assert_eq!(keys.verify_refresh(&r, 49).unwrap(), claims);
        assert!(keys.verify_refresh(&r, 50).is_err());
        assert!(Keys::new(&mut SeededEntropy(2))
            .verify_refresh(&r, 49)
            .is_err());
        assert!(keys.verify_access(&r, 49).is_err());
        assert!(keys
            .verify_refresh(&keys.sign_access(&access(100)), 49)
            .is_err());
    }

    /// What the ring-based simulator signed for `access(100)`: PKCS#1 v1.5 is deterministic,
    /// so RustCrypto must give the very same token, natively and in the browser build.
    const RING_VECTOR: &str = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImlsZXJ0LXNpbS1kZW1vLTEifQ.eyJpbF9uIjoiNWNmIiwiaWxfYSI6MjUwLCJpbF9zIjoicHJvZmlsZSIsImlzcyI6ImlsZXJ0IiwiaWxfdSI6ImFkYSIsImlsX3QiOiJBQ0NFU1MiLCJpbF92IjoxLCJleHAiOjEwMCwiaWF0IjoxLCJqdGkiOiJqIn0.CzwWgTsRZyACYGZ7qmCNZCzI2UE5kfqScJjk4KqmJZH16MUASWbt43AQfSSXi6Sd-l30MIC-7YHwywPAMkSAqzL6d275AYNv9jzLQtosFI9PInbVnQfKqAgHBcEgRFn3OsC0orqLqAUAncMeBqVju4KiHVNXHhFT9AsKTA24jrL_APUxyF_dwrwELmVbKAndR6kr5FPTwcDC2onDs5zdMpIePCSxQauwSuRppAII2ahxxpVWQ2mx8oTGzYFCHDU0rpg1AawFuVnvmlA2UG8oWst_BndzL1a03cOoCW2TzLaJ0h8wId9MT7tsxdi_yr84saEPQV4SQvLQkLtaldA8KQ";

    #[test]
    fn signs_as_ring_did_and_verifies_with_the_public_key() {
        let keys = Keys::new(&mut SeededEntropy(3));
        let t = keys.sign_access(&access(100));
        assert_eq!(t, RING_VECTOR);
        let (input, sig) = t.rsplit_once('.').unwrap();
        let sig = Signature::try_from(URL_SAFE_NO_PAD.decode(sig).unwrap().as_slice()).unwrap();
        RSA_PUBLIC.verify(input.as_bytes(), &sig).unwrap();
        assert!(RSA_PUBLIC.verify(b"other input", &sig).is_err());
    }
}
