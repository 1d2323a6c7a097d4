//! Tokens shaped like iLert's: RS256 access tokens and HS256 refresh tokens, both JWTs.
//!
//! Access tokens are checked by signature, `exp` and claims, so the API accepts a token it
//! did not keep a record of (as a real resource server would); the store adds revocation.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::{hmac, signature};
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::sync::LazyLock;

use crate::random;

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

static RSA_KEY: LazyLock<signature::RsaKeyPair> = LazyLock::new(|| {
    signature::RsaKeyPair::from_pkcs8(&pem_to_der(DEMO_PRIVATE_KEY_PEM))
        .expect("the embedded demo key is a valid PKCS#8 RSA key")
});

fn pem_to_der(pem: &str) -> Vec<u8> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    STANDARD.decode(b64).expect("embedded PEM is base64")
}

/// The demo public key as a PKCS#1 `RSAPublicKey` DER (what `ring` verifies with).
pub fn demo_public_key_pkcs1_der() -> Vec<u8> {
    use signature::KeyPair;
    RSA_KEY.public_key().as_ref().to_vec()
}

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
/// refresh tokens never outlive the process that issued them.
pub struct Keys {
    hmac: hmac::Key,
}

impl Default for Keys {
    fn default() -> Self {
        Self::new()
    }
}

impl Keys {
    pub fn new() -> Self {
        Keys {
            hmac: hmac::Key::new(hmac::HMAC_SHA256, &random::bytes::<32>()),
        }
    }

    pub fn sign_access(&self, claims: &AccessClaims) -> String {
        let header = Header {
            alg: "RS256".into(),
            typ: "JWT".into(),
            kid: Some(KID.into()),
        };
        let input = signing_input(&header, claims);
        let mut sig = vec![0; RSA_KEY.public().modulus_len()];
        RSA_KEY
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &*random::RNG,
                input.as_bytes(),
                &mut sig,
            )
            .expect("RSA signing works");
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    pub fn sign_refresh(&self, claims: &RefreshClaims) -> String {
        let header = Header {
            alg: "HS256".into(),
            typ: "JWT".into(),
            kid: None,
        };
        let input = signing_input(&header, claims);
        let tag = hmac::sign(&self.hmac, input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// Checks an access token's form, RS256 signature, claims and expiry (`now` in seconds).
    pub fn verify_access(&self, token: &str, now: u64) -> Result<AccessClaims, Rejection> {
        let (header, claims, input, sig) = split::<AccessClaims>(token)?;
        // Only RS256 with our kid: refuses `none`, HS256 (refresh tokens) and alg confusion.
        if header.alg != "RS256" || header.kid.as_deref() != Some(KID) {
            return Err("token is not an access token");
        }
        signature::UnparsedPublicKey::new(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            demo_public_key_pkcs1_der(),
        )
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
        hmac::verify(&self.hmac, input.as_bytes(), &sig).map_err(|_| "refresh token is unknown")?;
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
        let keys = Keys::new();
        let t = keys.sign_access(&access(100));
        assert_eq!(keys.verify_access(&t, 99).unwrap(), access(100));
        assert_eq!(keys.verify_access(&t, 100), Err("token has expired"));
        // Another simulator (other HMAC key) still accepts it: the RSA key is fixed.
        assert!(Keys::new().verify_access(&t, 99).is_ok());
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
        let keys = Keys::new();
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
        assert!(Keys::new().verify_refresh(&r, 49).is_err());
        assert!(keys.verify_access(&r, 49).is_err());
        assert!(keys
            .verify_refresh(&keys.sign_access(&access(100)), 49)
            .is_err());
    }

    #[test]
    fn public_key_files_agree() {
        // The SPKI PEM is a fixed 24-byte prefix around the PKCS#1 key for RSA-2048.
        let spki = pem_to_der(DEMO_PUBLIC_KEY_PEM);
        assert_eq!(&spki[24..], demo_public_key_pkcs1_der().as_slice());
    }
}
