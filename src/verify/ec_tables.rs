//! ECDSA verification (SEC 1 v2 §4.1.4) with a precomputed table per issuer
//! key, for the chain signature checks of a scan.
//!
//! Verifying computes R = u1·G + u2·Q, where Q is the issuer's public point.
//! The crate's own verify (`VerifyingKey::verify_prehash`) does this with a
//! wNAF double-and-add that starts from nothing every time (~384 doublings for
//! P-384). A scan checks hundreds of leaves signed by the same few
//! intermediates, so here u1·G uses a table of G's multiples for signed
//! radix-256 digits ([`WideTable::generator`], G·256^i·{1‥128}, one per curve and
//! process) and u2·Q a table of Q's multiples (Q·256^i·{1‥8}, as primeorder's
//! `BasepointTable` keeps for G), built once per issuer key: about
//! (bytes + 1) + 2×(bytes + 1) additions, no doublings, each a mixed addition of an
//! affine table entry.
//!
//! What is cached is precomputation derived from the ISSUER's public key, keyed
//! by its curve and SEC1 point bytes; no verification result is cached, and
//! nothing is looked up by the bytes of the key or certificate under test:
//! every signature is fully checked against its own message and (r, s).
//!
//! The rules are those of `ecdsa::hazmat::verify_prehashed` (ecdsa 0.17):
//! (r, s) decoded by the curve crate (`Signature::from_der`: both in 1‥n−1),
//! the prehash taken as its leading bytes up to the order's length and masked
//! to its bit length, then reduced mod n (`bytes2scalar`); no low-s rule (the
//! NIST curves have `NORMALIZE_S = false`); R = identity is invalid; valid iff
//! r = x(R) mod n, decided on P-384 without R's affine coordinates (R = ±P for
//! the point P with x = r, or r + n: [`x_is_r_projective`]). The tests check
//! this path against the crate's verify.
//!
//! The cache: a table is built the second time an issuer is seen (the first
//! time, and for a one-off `keymatch check`, the crate's verify is cheaper than
//! a table), for at most [`MAX_TABLES`] issuers per scan (~40 KiB each for
//! P-384, ~80 KiB for P-521) and [`MAX_TRACKED`] keys seen once; past those
//! bounds verification falls back to the crate's verify. An issuer that has
//! checked [`WIDE_AFTER`] signatures also gets a radix-256 table like G's
//! ([`WideTable`], ~0.6 MiB for P-384), for at most [`MAX_WIDE`] issuers per
//! scan: a P-384 check through it costs about 40 % less. One mutex guards the
//! map for a lookup; a table is built outside it, once, behind a `OnceLock`.
//! The cache ([`EcTables`]) is owned by the scan that uses it and dropped with
//! it; the only process-global state is the generator tables, constants of
//! their curves as the curve crates' own basepoint tables are (~0.3 MiB for
//! P-256, ~0.6 MiB for P-384, ~1.2 MiB for P-521, built when first used).

use super::SigCheck;
use crate::parse::Curve;
use primeorder::elliptic_curve::{
    bigint::{BitOps, Encoding},
    ff::PrimeField,
    group::Group,
    ops::{Invert, Reduce},
    point::{AffineCoordinates, BatchNormalize, DecompressPoint},
    subtle::Choice,
    FieldBytes, FieldBytesSize, NonZeroScalar, Scalar,
};
use primeorder::{
    array::typenum::Unsigned, AffinePoint, PrimeCurveParams, ProjectivePoint, Radix16Decomposition, Radix16Digits,
};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Issuers that get a table, per scan.
pub(crate) const MAX_TABLES: usize = 64;
/// Issuer keys remembered as seen once (so that a second sighting builds a
/// table), per scan.
pub(crate) const MAX_TRACKED: usize = 1024;

/// The multiples of a point P by the digits of one radix-256 window: window i holds
/// P·256^i·{1, …, width}, for i = 0 … bytes (one more window than a scalar has bytes, for a
/// carry digit), in affine coordinates: adding an affine point to a projective one (mixed
/// addition) costs less than adding two projective ones, and one batched inversion at build
/// time makes them all affine.
struct AffineWindows<C: PrimeCurveParams> {
    width: usize,
    /// Window i's multiples j = 1 … width at `width·i + j − 1`.
    points: Vec<AffinePoint<C>>,
}

impl<C: PrimeCurveParams> AffineWindows<C> {
    /// (bytes + 1) × `width` points.
    fn new(p: ProjectivePoint<C>, width: usize) -> Self {
        let len = FieldBytesSize::<C>::USIZE;
        let mut base = p;
        let mut projective = Vec::with_capacity((len + 1) * width);
        for _ in 0..=len {
            let mut multiple = base;
            for _ in 0..width {
                projective.push(multiple);
                multiple += base;
            }
            for _ in 0..8 {
                base = base.double();
            }
        }
        Self {
            width,
            points: <ProjectivePoint<C> as BatchNormalize<[ProjectivePoint<C>]>>::batch_normalize(&projective),
        }
    }

    fn windows(&self) -> usize {
        self.points.len() / self.width
    }

    /// d·P·256^window for a digit d with 0 < |d| ≤ width.
    fn select(&self, window: usize, d: i16) -> AffinePoint<C> {
        let point = self.points[self.width * window + usize::from(d.unsigned_abs()) - 1];
        if d < 0 {
            -point
        } else {
            point
        }
    }
}

/// The multiples of one point Q: window i holds Q·256^i·{1, …, 8} (the
/// signed radix-16 digits of a window's two nibbles). The layout of
/// primeorder's `BasepointTable`, for an arbitrary point, affine.
pub struct PointTable<C: PrimeCurveParams>(AffineWindows<C>);

impl<C: PrimeCurveParams> PointTable<C> {
    /// The table of `q`: (bytes + 1) × 8 points.
    pub(crate) fn new(q: ProjectivePoint<C>) -> Self {
        Self(AffineWindows::new(q, 8))
    }

    /// k·Q in variable time (k and Q are public here), as
    /// `BasepointTable::mul_vartime`: k = Σ d_j·16^j with d_j in −8‥8; even
    /// digits are summed from the windows directly, odd ones into a second
    /// accumulator multiplied by 16 at the end. Zero digits cost nothing.
    pub(crate) fn mul_vartime(&self, k: &Scalar<C>) -> ProjectivePoint<C> {
        let digits = Radix16Decomposition::<Radix16Digits<C>>::new(k);
        let windows = self.0.windows();
        let mut even = ProjectivePoint::<C>::IDENTITY;
        let mut odd = ProjectivePoint::<C>::IDENTITY;
        for i in 0..windows {
            let d = digits[2 * i];
            if d != 0 {
                even += self.0.select(i, d.into());
            }
            // The last window holds only the carry digit.
            if i + 1 < windows {
                let d = digits[2 * i + 1];
                if d != 0 {
                    odd += self.0.select(i, d.into());
                }
            }
        }
        for _ in 0..4 {
            odd = odd.double();
        }
        even + odd
    }
}

/// The multiples of a point P for signed radix-256 digits: window i holds
/// P·256^i·{1, …, 128}. Twice the digit width of the curve crate's basepoint
/// table (radix 16), so k·P takes half as many additions (about one per scalar
/// byte), each a mixed one; sixteen times the points ([`PointTable`]'s 8 per
/// window), built with about bytes·128 additions and one batched inversion.
///
/// The generator's ([`WideTable::generator`]) holds constants of the curve,
/// like the crate's basepoint table: one per curve and process, built the
/// first time a signature is checked with an issuer's table on that curve
/// (`IssuerTable::verify`). An issuer's is built once it has checked
/// [`WIDE_AFTER`] signatures ([`IssuerPoint`]). Variable time: the scalars
/// (u1, u2) and the points are public.
pub struct WideTable<C: PrimeCurveParams>(AffineWindows<C>);

impl<C: PrimeCurveParams> WideTable<C> {
    /// G's table: (bytes + 1) × 128 points.
    pub fn generator() -> Self {
        Self::of(ProjectivePoint::<C>::GENERATOR)
    }

    /// P's table: (bytes + 1) × 128 points.
    pub fn of(p: ProjectivePoint<C>) -> Self {
        Self(AffineWindows::new(p, 128))
    }

    /// k·P in variable time: k = Σ d_i·256^i with d_i in −128‥127 (and a last
    /// carry digit of 0 or 1), one table entry per digit other than 0.
    pub(crate) fn mul_vartime(&self, k: &Scalar<C>) -> ProjectivePoint<C> {
        let bytes: primeorder::elliptic_curve::FieldBytes<C> = (*k).into();
        let mut sum = ProjectivePoint::<C>::IDENTITY;
        let mut carry = 0i16;
        // Big-endian bytes: digit i comes from the i-th byte from the end.
        let digits = bytes.iter().rev().map(|&b| {
            let v = i16::from(b) + carry;
            carry = i16::from(v >= 128);
            v - 256 * carry
        });
        for (window, d) in digits.enumerate() {
            if d != 0 {
                sum += self.0.select(window, d);
            }
        }
        if carry != 0 {
            sum += self.0.select(bytes.len(), carry);
        }
        sum
    }
}

/// Signatures an issuer checks through its [`PointTable`] before its [`WideTable`] is built:
/// the wide table saves about bytes/2 additions per check (P-384: 24 of about 72) and costs about
/// bytes·128 additions to build, so it pays back after a few hundred checks. A scan of a tree
/// signed by a few intermediates checks thousands against each.
pub const WIDE_AFTER: usize = 256;

/// Issuers per scan that may get a [`WideTable`] (~0.3 MiB for P-256, ~0.6 MiB for P-384,
/// ~1.2 MiB for P-521 each).
pub(crate) const MAX_WIDE: usize = 4;

/// An issuer key Q and its tables for u2·Q: the radix-16 [`PointTable`], built with the slot,
/// and from its [`WIDE_AFTER`]-th check on the radix-256 [`WideTable`], when the scan's budget
/// of wide tables allows (decided once: `None` inside when it did not).
pub struct IssuerPoint<C: PrimeCurveParams> {
    q: ProjectivePoint<C>,
    narrow: PointTable<C>,
    wide: OnceLock<Option<WideTable<C>>>,
    checks: AtomicUsize,
}

impl<C: PrimeCurveParams> IssuerPoint<C> {
    fn new(q: ProjectivePoint<C>) -> Self {
        Self { q, narrow: PointTable::new(q), wide: OnceLock::new(), checks: AtomicUsize::new(0) }
    }

    /// k·Q in variable time, through the widest table built so far. `wide_budget`: wide
    /// tables the scan may still build. The check that reaches [`WIDE_AFTER`] builds it; the
    /// others go on with the narrow table meanwhile. Both give the same point (tested).
    fn mul_vartime(&self, k: &Scalar<C>, wide_budget: &AtomicUsize) -> ProjectivePoint<C> {
        if self.checks.fetch_add(1, Ordering::Relaxed) == WIDE_AFTER {
            self.wide.get_or_init(|| {
                let granted =
                    wide_budget.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1)).is_ok();
                granted.then(|| WideTable::of(self.q))
            });
        }
        match self.wide.get() {
            Some(Some(wide)) => wide.mul_vartime(k),
            _ => self.narrow.mul_vartime(k),
        }
    }

    /// Has the wide table been built?
    #[cfg(test)]
    fn is_wide(&self) -> bool {
        matches!(self.wide.get(), Some(Some(_)))
    }
}

/// A curve's generator table, one per process: the first check that needs it builds it, and
/// the checks that come meanwhile on other threads multiply G with the curve crate's basepoint
/// table (`mul_by_generator`) instead of waiting for it (a P-384 table takes about 9 ms to build,
/// a large part of a small scan's verification).
pub(crate) struct GeneratorTable<C: PrimeCurveParams> {
    table: OnceLock<WideTable<C>>,
    building: std::sync::atomic::AtomicBool,
}

impl<C: PrimeCurveParams> GeneratorTable<C> {
    const fn new() -> Self {
        Self { table: OnceLock::new(), building: std::sync::atomic::AtomicBool::new(false) }
    }

    /// The table, built by this call if no other has begun to; `None` while another builds it.
    fn get(&self) -> Option<&WideTable<C>> {
        if let Some(table) = self.table.get() {
            return Some(table);
        }
        if self.building.swap(true, Ordering::AcqRel) {
            return self.table.get();
        }
        Some(self.table.get_or_init(WideTable::generator))
    }

    /// k·G: through the table when it is built, else through the curve crate's.
    fn mul(&self, k: &Scalar<C>) -> ProjectivePoint<C> {
        match self.get() {
            Some(table) => table.mul_vartime(k),
            None => ProjectivePoint::<C>::mul_by_generator(k),
        }
    }
}

/// The generator tables, one per curve and process.
static P256_G: GeneratorTable<p256::NistP256> = GeneratorTable::new();
static P384_G: GeneratorTable<p384::NistP384> = GeneratorTable::new();
static P521_G: GeneratorTable<p521::NistP521> = GeneratorTable::new();

/// `ecdsa::hazmat::bytes2scalar`: the leading bytes of `bytes` up to the
/// order's byte length, masked to the order's bit length, reduced mod n.
fn bytes2scalar<C: PrimeCurveParams>(bytes: &[u8]) -> Scalar<C> {
    let n_bits = C::ORDER.bit_width();
    let n_bytes = usize::try_from(n_bits.div_ceil(8)).unwrap_or(usize::MAX);
    let bytes = bytes.get(..n_bytes).unwrap_or(bytes);
    <Scalar<C> as Reduce<C::Uint>>::reduce(&C::Uint::from_be_slice_truncated(bytes, n_bits))
}

/// SEC 1 §4.1.4 steps 4–8 with Q's table: r = x(u1·G + u2·Q) mod n, where
/// u1 = z/s, u2 = r/s. `r` and `s` are already in 1‥n−1.
pub(crate) fn verify_prehashed<C: XCheck>(
    u1_times_g: impl FnOnce(&Scalar<C>) -> ProjectivePoint<C>,
    u2_times_q: impl FnOnce(&Scalar<C>) -> ProjectivePoint<C>,
    prehash: &[u8],
    r: &NonZeroScalar<C>,
    s: &NonZeroScalar<C>,
) -> bool {
    let z = bytes2scalar::<C>(prehash);
    let s_inv = *s.invert_vartime();
    let u1 = z * s_inv;
    let u2 = **r * s_inv;
    let point = u1_times_g(&u1) + u2_times_q(&u2);
    if bool::from(point.is_identity()) {
        return false;
    }
    if C::DECOMPRESS_R {
        x_is_r_projective(&point, r)
    } else {
        **r == bytes2scalar::<C>(&point.to_affine().x())
    }
}

/// How a curve decides r = x(R) mod n: by R's affine x (one constant-time field inversion,
/// `to_affine`), or projectively against the points whose x is r or r + n (one square root
/// each, [`x_is_r_projective`]). Whichever is faster (`cargo bench --bench verify`, "x(R) =
/// r"): P-384's fiat inversion (Bernstein–Yang divsteps) costs more than its square root;
/// P-256's and P-521's inversions cost less. Public for the benchmark.
pub trait XCheck: PrimeCurveParams {
    const DECOMPRESS_R: bool;

    /// A point with affine x-coordinate `x` (big-endian, below p), either y; `None` if
    /// x³ + ax + b is not a square. The curve crate's `AffinePoint::decompress`.
    fn point_with_x(x: &FieldBytes<Self>) -> Option<AffinePoint<Self>> {
        AffinePoint::<Self>::decompress(x, Choice::from(0)).into()
    }
}
impl XCheck for p256::NistP256 {
    const DECOMPRESS_R: bool = false;
}
impl XCheck for p384::NistP384 {
    const DECOMPRESS_R: bool = true;

    /// `decompress` takes its square root with crypto-bigint's generic exponentiation; the
    /// same root, α^((p+1)/4) (p ≡ 3 mod 4), through a fixed addition chain for P-384's
    /// (p+1)/4 = 2^382 − 2^126 − 2^94 + 2^30 with the fiat field's own squarings and
    /// multiplications (381 and 14) costs about 60 % of it. The chain only proposes a y:
    /// `AffinePoint::from_coordinates` checks y² = x³ + ax + b, so a root that is wrong (or
    /// an α that is no square) gives `None`, never a point off the curve. Variable time in
    /// nothing secret: x is a signature's r.
    fn point_with_x(x: &FieldBytes<Self>) -> Option<AffinePoint<Self>> {
        type Fe = <p384::NistP384 as primeorder::elliptic_curve::hazmat::FieldArithmetic>::FieldElement;
        let sqn = |a: Fe, n: usize| (0..n).fold(a, |a, _| a.square());
        let fx = Option::<Fe>::from(Fe::from_repr(*x))?;
        let alpha = fx.square() * fx + Self::EQUATION_A * fx + Self::EQUATION_B;
        // Names: x_k = α^(2^k − 1); t_b = α^b for the binary b.
        let t1 = alpha;
        let t11 = t1 * t1.square();
        let t111 = t1 * t11.square();
        let t111111 = t111 * sqn(t111, 3);
        let t1111110 = t111111.square();
        let t1111111 = t1 * t1111110;
        let x12 = sqn(t1111110, 5) * t111111;
        let x24 = sqn(x12, 12) * x12;
        let x31 = sqn(x24, 7) * t1111111;
        let x32 = x31.square() * t1;
        let x63 = sqn(x32, 31) * x31;
        let x126 = sqn(x63, 63) * x63;
        let x252 = sqn(x126, 126) * x126;
        let x255 = sqn(x252, 3) * t111;
        let y = sqn(sqn(sqn(x255, 33) * x32, 64) * t1, 30);
        AffinePoint::<Self>::from_coordinates(x, &y.to_repr()).into()
    }
}
impl XCheck for p521::NistP521 {
    const DECOMPRESS_R: bool = false;
}

/// Is x(R) ≡ r (mod n), for R not the identity, without R's affine coordinates?
/// x(R) is in 0‥p−1 and p < 2n (Hasse), so x(R) mod n = r (r in 1‥n−1) iff x(R) = r or
/// x(R) = r + n, the latter only when r + n < p. A point with that x exists iff x³ + ax + b
/// is a square ([`XCheck::point_with_x`], a square root), and then the points with that x
/// are P and −P; R has that x iff R = P or R = −P (`ProjectivePoint` equality: a few
/// multiplications, no inversion). Variable time: R, r and n are public.
pub(crate) fn x_is_r_projective<C: XCheck>(point: &ProjectivePoint<C>, r: &NonZeroScalar<C>) -> bool {
    let r_bytes: FieldBytes<C> = (**r).into();
    if x_matches(point, &r_bytes) {
        return true;
    }
    // n in the field (n < p), and p − n = −n there: r + n < p iff r < p − n.
    let Some(n) = order_in_field::<C>() else {
        return false;
    };
    let p_minus_n = (-n).to_repr();
    if r_bytes.as_slice() >= p_minus_n.as_slice() {
        return false;
    }
    let Some(r) = Option::<C::FieldElement>::from(C::FieldElement::from_repr(r_bytes)) else {
        return false;
    };
    x_matches(point, &(r + n).to_repr())
}

/// Has `point` (not the identity) the affine x-coordinate `x` (big-endian, below p)?
fn x_matches<C: XCheck>(point: &ProjectivePoint<C>, x: &FieldBytes<C>) -> bool {
    let Some(candidate) = C::point_with_x(x) else {
        return false;
    };
    let candidate = ProjectivePoint::<C>::from(candidate);
    *point == candidate || *point == -candidate
}

/// The group order n as a field element (n < p on these curves).
fn order_in_field<C: PrimeCurveParams>() -> Option<C::FieldElement> {
    let order = C::ORDER.as_ref().to_be_bytes();
    let order = order.as_ref();
    let len = FieldBytesSize::<C>::USIZE;
    let bytes = FieldBytes::<C>::try_from(order.get(order.len().checked_sub(len)?..)?).ok()?;
    C::FieldElement::from_repr(bytes).into()
}

/// The tables of one issuer key, on its curve.
pub enum IssuerTable {
    P256(IssuerPoint<p256::NistP256>),
    P384(IssuerPoint<p384::NistP384>),
    P521(IssuerPoint<p521::NistP521>),
}

impl IssuerTable {
    /// The table of a SEC1-encoded point, or `None` if the point does not
    /// decode (not on the curve, the identity, a bad encoding).
    pub fn new(curve: Curve, point: &[u8]) -> Option<Self> {
        macro_rules! table {
            ($c:ident, $variant:ident) => {{
                let key = $c::PublicKey::from_sec1_bytes(point).ok()?;
                Some(Self::$variant(IssuerPoint::new(key.to_projective())))
            }};
        }
        match curve {
            Curve::P256 => table!(p256, P256),
            Curve::P384 => table!(p384, P384),
            Curve::P521 => table!(p521, P521),
        }
    }

    /// Does the DER signature verify over `prehash` with this issuer's key?
    /// Valid or Invalid, as `ec::verify_ecdsa`. `wide_budget`: see [`IssuerPoint`].
    pub fn verify(&self, prehash: &[u8], signature_der: &[u8], wide_budget: &AtomicUsize) -> SigCheck {
        macro_rules! check {
            ($c:ident, $table:expr, $generator:expr) => {{
                let Ok(sig) = $c::ecdsa::Signature::from_der(signature_der) else {
                    return SigCheck::Invalid;
                };
                let (r, s) = sig.split_scalars();
                let u2_times_q = |u2: &$c::Scalar| $table.mul_vartime(u2, wide_budget);
                verify_prehashed(|u1: &$c::Scalar| $generator.mul(u1), u2_times_q, prehash, &r, &s)
            }};
        }
        let valid = match self {
            Self::P256(table) => check!(p256, table, P256_G),
            Self::P384(table) => check!(p384, table, P384_G),
            Self::P521(table) => check!(p521, table, P521_G),
        };
        if valid {
            SigCheck::Valid
        } else {
            SigCheck::Invalid
        }
    }
}

/// An issuer key's place in the cache.
enum Slot {
    /// Seen once: its signature was checked with the crate's verify.
    Seen,
    /// Seen again: its table (`None` inside if the point does not decode),
    /// built by the first caller that needs it.
    Table(Arc<OnceLock<Option<IssuerTable>>>),
}

/// Which issuer keys were seen, and their tables. Bounded by `max_tables`
/// tables and `max_tracked` keys in all.
pub(crate) struct Cache {
    slots: HashMap<Curve, HashMap<Box<[u8]>, Slot>>,
    tracked: usize,
    tables: usize,
    max_tracked: usize,
    max_tables: usize,
}

impl Cache {
    pub(crate) fn new(max_tracked: usize, max_tables: usize) -> Self {
        Self { slots: HashMap::new(), tracked: 0, tables: 0, max_tracked, max_tables }
    }

    /// Record a sighting of the issuer key; its table slot if this is not the
    /// first one and the bounds allow a table, `None` for the crate's verify.
    fn sighting(&mut self, curve: Curve, point: &[u8]) -> Option<Arc<OnceLock<Option<IssuerTable>>>> {
        let slots = self.slots.entry(curve).or_default();
        match slots.get_mut(point) {
            Some(Slot::Table(table)) => Some(Arc::clone(table)),
            Some(slot @ Slot::Seen) if self.tables < self.max_tables => {
                let table = Arc::new(OnceLock::new());
                *slot = Slot::Table(Arc::clone(&table));
                self.tables += 1;
                Some(table)
            }
            Some(Slot::Seen) => None,
            None => {
                if self.tracked < self.max_tracked {
                    slots.insert(point.into(), Slot::Seen);
                    self.tracked += 1;
                }
                None
            }
        }
    }

    /// Verify with the issuer's table, if it has one now (see
    /// [`Cache::sighting`]); `None`: use the crate's verify. `wide_budget`: wide tables the
    /// scan may still build ([`IssuerPoint`]).
    pub(crate) fn verify(
        cache: &Mutex<Self>,
        wide_budget: &AtomicUsize,
        curve: Curve,
        point: &[u8],
        prehash: &[u8],
        sig: &[u8],
    ) -> Option<SigCheck> {
        // A poisoned lock only costs the tables.
        let slot = cache.lock().ok()?.sighting(curve, point)?;
        let table = slot.get_or_init(|| IssuerTable::new(curve, point)).as_ref()?;
        Some(table.verify(prehash, sig, wide_budget))
    }

    /// Issuers that have a table slot.
    #[cfg(test)]
    pub(crate) fn tables(&self) -> usize {
        self.tables
    }
}

/// The ECDSA issuer tables of one scan (or one `keymatch check`), shared by
/// its threads: [`MAX_TABLES`] tables and [`MAX_TRACKED`] keys at most; and the
/// scan's built RSA issuer keys ([`RsaKeys`](super::rsa_keys::RsaKeys)).
pub struct EcTables {
    ec: Mutex<Cache>,
    /// Wide issuer tables the scan may still build: [`MAX_WIDE`] at first.
    wide_budget: AtomicUsize,
    rsa: super::rsa_keys::RsaKeys,
}

impl Default for EcTables {
    fn default() -> Self {
        EcTables {
            ec: Mutex::new(Cache::new(MAX_TRACKED, MAX_TABLES)),
            wide_budget: AtomicUsize::new(MAX_WIDE),
            rsa: Default::default(),
        }
    }
}

impl EcTables {
    /// Verify with the issuer's table; `None` when the issuer has none
    /// (first sighting, bounds reached, point does not decode).
    pub(crate) fn verify(&self, curve: Curve, point: &[u8], prehash: &[u8], signature_der: &[u8]) -> Option<SigCheck> {
        Cache::verify(&self.ec, &self.wide_budget, curve, point, prehash, signature_der)
    }

    /// The scan's RSA issuer keys.
    pub(crate) fn rsa(&self) -> &super::rsa_keys::RsaKeys {
        &self.rsa
    }

    /// Has the issuer key a table slot?
    #[cfg(test)]
    pub(crate) fn has_table(&self, curve: Curve, point: &[u8]) -> bool {
        self.ec.lock().is_ok_and(|c| matches!(c.slots.get(&curve).and_then(|s| s.get(point)), Some(Slot::Table(_))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::ec::verify_ecdsa_uncached;
    use p256::ecdsa::signature::hazmat::PrehashSigner;
    use primeorder::elliptic_curve::sec1::ToSec1Point;
    use primeorder::elliptic_curve::Field;
    use sha2::{Digest, Sha512};

    /// Deterministic pseudo-random bytes: SHA-512 in counter mode over `seed`.
    fn bytes(seed: &str, n: usize) -> Vec<u8> {
        let mut out = Vec::new();
        for block in 0u32.. {
            if out.len() >= n {
                break;
            }
            out.extend_from_slice(&Sha512::new().chain_update(seed).chain_update(block.to_be_bytes()).finalize());
        }
        out.truncate(n);
        out
    }

    /// A positive DER INTEGER of big-endian magnitude `v`.
    fn der_integer(v: &[u8]) -> Vec<u8> {
        let v = crate::parse::strip_leading_zeros(v);
        let mut body = if v.is_empty() { vec![0] } else { v.to_vec() };
        if body[0] & 0x80 != 0 {
            body.insert(0, 0);
        }
        let mut out = vec![0x02];
        out.extend(der_len(body.len()));
        out.extend(body);
        out
    }

    fn der_len(n: usize) -> Vec<u8> {
        match u8::try_from(n) {
            Ok(n) if n < 0x80 => vec![n],
            Ok(n) => vec![0x81, n],
            Err(_) => panic!("length {n}"),
        }
    }

    /// An ECDSA-Sig-Value (RFC 5480 §2.2) of any r and s, in range or not.
    fn der_sig(r: &[u8], s: &[u8]) -> Vec<u8> {
        let body = [der_integer(r), der_integer(s)].concat();
        [vec![0x30], der_len(body.len()), body].concat()
    }

    /// Big-endian `a + b` of equal-length magnitudes, one byte longer.
    fn add_be(a: &[u8], b: &[u8]) -> Vec<u8> {
        let mut out = vec![0u8; a.len() + 1];
        let mut carry = 0u16;
        for i in (0..a.len()).rev() {
            let sum = u16::from(a[i]) + u16::from(b[i]) + carry;
            out[i + 1] = (sum & 0xff) as u8;
            carry = sum >> 8;
        }
        out[0] = carry as u8;
        out
    }

    /// One case: the table path and the crate's verify agree, and give `want`.
    fn case(what: &str, table: &IssuerTable, curve: Curve, point: &[u8], prehash: &[u8], der: &[u8], want: &SigCheck) {
        let crate_says = verify_ecdsa_uncached(curve, point, prehash, der);
        let table_says = table.verify(prehash, der, &AtomicUsize::new(MAX_WIDE));
        assert_eq!(table_says, crate_says, "{curve:?} {what}: table path and crate verify disagree");
        assert_eq!(&table_says, want, "{curve:?} {what}");
    }

    /// Big-endian `v + 1`, one byte longer.
    fn plus_one(v: &[u8]) -> Vec<u8> {
        let mut one = vec![0u8; v.len()];
        if let Some(last) = one.last_mut() {
            *last = 1;
        }
        add_be(v, &one)
    }

    /// Per curve: keys × prehashes of several lengths (shorter than, equal
    /// to and longer than the order), each signature valid through the
    /// issuer's table and every tampering invalid, always in agreement with
    /// the crate's verify.
    macro_rules! property {
        ($name:ident, $c:ident, $C:ty, $curve:expr, $keys:expr, $msgs:expr) => {
            #[test]
            fn $name() {
                let curve = $curve;
                let len = FieldBytesSize::<$C>::USIZE;
                // n, from n − 1 = −1 mod n.
                let n = plus_one(&(-<$c::Scalar as Field>::ONE).to_bytes());
                let keys: Vec<($c::ecdsa::SigningKey, Vec<u8>, IssuerTable)> = (0..$keys)
                    .map(|k| {
                        let mut secret = bytes(&format!("{curve:?} key {k}"), len);
                        if len == 66 {
                            secret[0] &= 1; // P-521: below n
                        }
                        let sk = $c::ecdsa::SigningKey::from_slice(&secret).expect("secret in range");
                        let point = sk.verifying_key().to_sec1_point(false).as_bytes().to_vec();
                        let table = IssuerTable::new(curve, &point).expect("table");
                        (sk, point, table)
                    })
                    .collect();
                let mut checked = 0;
                for (k, (sk, point, table)) in keys.iter().enumerate() {
                    let (_, other_point, other_table) = &keys[(k + 1) % keys.len()];
                    for m in 0..$msgs {
                        let hash_len = [20, 28, 32, 48, 64, 66, 17][m % 7];
                        let prehash = bytes(&format!("{curve:?} key {k} message {m}"), hash_len);
                        let sig: $c::ecdsa::Signature = sk.sign_prehash(&prehash).expect("sign");
                        let der = sig.to_der().as_bytes().to_vec();
                        let (r, s) = sig.split_bytes();
                        let (r, s) = (r.to_vec(), s.to_vec());
                        let at = m % len;
                        let bit = 1u8 << (m % 8);
                        let one = |what: &str, prehash: &[u8], der: &[u8], want: SigCheck| {
                            case(what, table, curve, point, prehash, der, &want);
                        };

                        one("valid", &prehash, &der, SigCheck::Valid);
                        one("valid, re-encoded", &prehash, &der_sig(&r, &s), SigCheck::Valid);
                        // No low-s rule on these curves: (r, n − s) verifies too.
                        let high_s = (-*sig.s()).to_bytes().to_vec();
                        one("(r, n − s)", &prehash, &der_sig(&r, &high_s), SigCheck::Valid);

                        // Only the leading bytes of a long prehash count (bytes2scalar).
                        let counted = hash_len.min(len);
                        let mut flipped = prehash.clone();
                        flipped[m % counted] ^= bit;
                        one("flipped message byte", &flipped, &der, SigCheck::Invalid);
                        if hash_len > len {
                            let mut beyond = prehash.clone();
                            beyond[len + m % (hash_len - len)] ^= bit;
                            one("flipped byte past the order's length", &beyond, &der, SigCheck::Valid);
                        }
                        // A byte less shifts a short prehash, and drops an ignored one of a long one.
                        let mut short = prehash.clone();
                        short.pop();
                        let want = if hash_len > len { SigCheck::Valid } else { SigCheck::Invalid };
                        one("prehash one byte short", &short, &der, want);

                        let mut bad_r = r.clone();
                        bad_r[at] ^= bit;
                        one("flipped r", &prehash, &der_sig(&bad_r, &s), SigCheck::Invalid);
                        let mut bad_s = s.clone();
                        bad_s[at] ^= bit;
                        one("flipped s", &prehash, &der_sig(&r, &bad_s), SigCheck::Invalid);
                        one("(s, r)", &prehash, &der_sig(&s, &r), SigCheck::Invalid);

                        case("wrong key", other_table, curve, other_point, &prehash, &der, &SigCheck::Invalid);

                        for (what, r2, s2) in [
                            ("r = 0", vec![0], s.clone()),
                            ("s = 0", r.clone(), vec![0]),
                            ("r = n", n.clone(), s.clone()),
                            ("s = n", r.clone(), n.clone()),
                            ("r = r + n", add_be(&r, &n[1..]), s.clone()),
                            ("s = s + n", r.clone(), add_be(&s, &n[1..])),
                            ("r = 2^bits − 1", vec![0xff; len], s.clone()),
                            ("s = 2^bits − 1", r.clone(), vec![0xff; len]),
                        ] {
                            one(what, &prehash, &der_sig(&r2, &s2), SigCheck::Invalid);
                        }
                        one("truncated DER", &prehash, &der[..der.len() - 1], SigCheck::Invalid);
                        one("empty signature", &prehash, &[], SigCheck::Invalid);
                        checked += 1;
                    }
                }
                assert_eq!(checked, $keys * $msgs);
            }
        };
    }

    property!(p256_table_path_agrees_with_the_crate, p256, p256::NistP256, Curve::P256, 4, 24);
    property!(p384_table_path_agrees_with_the_crate, p384, p384::NistP384, Curve::P384, 4, 24);
    property!(p521_table_path_agrees_with_the_crate, p521, p521::NistP521, Curve::P521, 3, 16);

    /// k·Q through the table, and k·G and −k·G through the generator table,
    /// equal the curve crate's, for edge and pseudo-random scalars, on each curve.
    macro_rules! mul {
        ($name:ident, $c:ident, $C:ty) => {
            #[test]
            fn $name() {
                let scalar = |seed: &str| {
                    let k = bytes(seed, $c::FieldBytes::default().len());
                    let k = $c::FieldBytes::try_from(k.as_slice()).expect("length");
                    <$c::Scalar as Reduce<$c::FieldBytes>>::reduce(&k)
                };
                let q = $c::ProjectivePoint::GENERATOR * scalar(concat!(stringify!($c), " q"));
                let table = PointTable::new(q);
                let mut scalars = vec![
                    <$c::Scalar as Field>::ZERO,
                    <$c::Scalar as Field>::ONE,
                    -<$c::Scalar as Field>::ONE,
                    <$c::Scalar as Field>::ONE.double(),
                    <$c::Scalar as primeorder::PrimeField>::from_u128(8),
                    <$c::Scalar as primeorder::PrimeField>::from_u128(0x8888_8888_8888_8888),
                ];
                // Radix-256 digit edges: 127, 128 (digit −128 and a carry), 255, 256, 0x80 in every byte, all ones.
                for v in [127u128, 128, 255, 256, 0x8080_8080_8080_8080_8080_8080_8080_8080, u128::MAX] {
                    scalars.push(<$c::Scalar as primeorder::PrimeField>::from_u128(v));
                }
                scalars.extend((0..32).map(|i| scalar(&format!("{} k {i}", stringify!($c)))));
                let generator = WideTable::<$C>::generator();
                let wide = WideTable::of(q);
                // A generator table another thread is building: the crate's basepoint table
                // meanwhile. One no thread has begun: built by the first call.
                let being_built = GeneratorTable::<$C>::new();
                being_built.building.store(true, Ordering::Relaxed);
                let fresh = GeneratorTable::<$C>::new();
                for k in scalars {
                    assert_eq!(
                        being_built.mul(&k),
                        $c::ProjectivePoint::GENERATOR * k,
                        "{} k·G meanwhile",
                        stringify!($c)
                    );
                    assert_eq!(fresh.mul(&k), $c::ProjectivePoint::GENERATOR * k, "{} k·G built", stringify!($c));
                    assert_eq!(table.mul_vartime(&k), q * k, "{}", stringify!($c));
                    assert_eq!(wide.mul_vartime(&k), q * k, "{} wide", stringify!($c));
                    assert_eq!(generator.mul_vartime(&k), $c::ProjectivePoint::GENERATOR * k, "{} k·G", stringify!($c));
                    assert_eq!(
                        generator.mul_vartime(&-k),
                        -($c::ProjectivePoint::GENERATOR * k),
                        "{} −k·G",
                        stringify!($c)
                    );
                }
                assert_eq!(table.mul_vartime(&<$c::Scalar as Field>::ZERO), $c::ProjectivePoint::IDENTITY);
                assert!(being_built.table.get().is_none() && fresh.table.get().is_some());
            }
        };
    }

    mul!(p256_table_multiples_match_the_crate, p256, p256::NistP256);
    mul!(p384_table_multiples_match_the_crate, p384, p384::NistP384);
    mul!(p521_table_multiples_match_the_crate, p521, p521::NistP521);

    /// x(R) = r + n: a point P with x in n‥p−1 (x = n + k for the first small k on the
    /// curve), and an issuer key Q made so that (r, s) = (k, s) over a prehash z verifies:
    /// Q = (P − u1·G)/u2 with u1 = z/s, u2 = k/s, so that u1·G + u2·Q = P. Both ways of
    /// deciding r = x(R) mod n, the table path and the crate's verify accept it, and reject
    /// r = k + 1; the projective check agrees with the affine one for k − 1 … k + 1 and −P.
    macro_rules! r_plus_n {
        ($name:ident, $c:ident, $C:ty, $curve:expr) => {
            #[test]
            fn $name() {
                let n = order_in_field::<$C>().expect("n below p");
                let mut found = None;
                for k in 1u64..200 {
                    let x = (n + <$C as primeorder::elliptic_curve::hazmat::FieldArithmetic>::FieldElement::from(k))
                        .to_repr();
                    if let Some(p) = Option::<$c::AffinePoint>::from($c::AffinePoint::decompress(&x, Choice::from(1))) {
                        found = Some((k, p));
                        break;
                    }
                }
                let (k, p) = found.expect("a point with x in n‥n+199");
                let p = $c::ProjectivePoint::from(p);
                // A projective representative with Z ≠ 1.
                let r_point = p.double() - p;
                let scalar = |v: u64| NonZeroScalar::<$C>::new(<$c::Scalar>::from(v)).expect("nonzero");
                let affine_says =
                    |pt: &$c::ProjectivePoint, r: u64| *scalar(r) == bytes2scalar::<$C>(&pt.to_affine().x());
                for r in [k - 1, k, k + 1].into_iter().filter(|&r| r > 0) {
                    for pt in [r_point, -r_point] {
                        assert_eq!(x_is_r_projective(&pt, &scalar(r)), r == k, "{:?} r = {r}, k = {k}", $curve);
                        assert_eq!(affine_says(&pt, r), r == k, "{:?} r = {r}, k = {k} (affine)", $curve);
                    }
                }

                let len = FieldBytesSize::<$C>::USIZE;
                let prehash = bytes(&format!("{:?} r + n", $curve), len);
                let z = bytes2scalar::<$C>(&prehash);
                let s = <$c::Scalar>::from(0x1234_5678u64);
                let s_inv = *NonZeroScalar::<$C>::new(s).expect("nonzero").invert_vartime();
                let (u1, u2) = (z * s_inv, *scalar(k) * s_inv);
                let u2_inv = *NonZeroScalar::<$C>::new(u2).expect("nonzero").invert_vartime();
                let q = (r_point - $c::ProjectivePoint::GENERATOR * u1) * u2_inv;
                let point = q.to_affine().to_sec1_point(false).as_bytes().to_vec();
                let table = IssuerTable::new($curve, &point).expect("table");
                let s_bytes = s.to_bytes().to_vec();
                case(
                    "r = x(R) − n",
                    &table,
                    $curve,
                    &point,
                    &prehash,
                    &der_sig(&[k as u8], &s_bytes),
                    &SigCheck::Valid,
                );
                case(
                    "r = x(R) − n + 1",
                    &table,
                    $curve,
                    &point,
                    &prehash,
                    &der_sig(&[k as u8 + 1], &s_bytes),
                    &SigCheck::Invalid,
                );
            }
        };
    }

    r_plus_n!(p256_r_plus_n_is_accepted, p256, p256::NistP256, Curve::P256);
    r_plus_n!(p384_r_plus_n_is_accepted, p384, p384::NistP384, Curve::P384);
    r_plus_n!(p521_r_plus_n_is_accepted, p521, p521::NistP521, Curve::P521);

    /// P-384's addition-chain square root finds the point `decompress` finds (either y), and
    /// none where it finds none, for x with and without a point, and the edges 0, 1, p − 1.
    #[test]
    fn p384_point_with_x_is_decompress() {
        type Fe = <p384::NistP384 as primeorder::elliptic_curve::hazmat::FieldArithmetic>::FieldElement;
        let mut xs: Vec<p384::FieldBytes> =
            [Fe::ZERO, Fe::ONE, -Fe::ONE, -Fe::from(3u64)].iter().map(|f| f.to_repr()).collect();
        for i in 0..200 {
            let mut x = bytes(&format!("P-384 x {i}"), 48);
            x[0] &= 0x7f; // below p
            xs.push(p384::FieldBytes::try_from(x.as_slice()).expect("48 bytes"));
        }
        let mut found = [0usize; 2];
        for x in &xs {
            let ours = <p384::NistP384 as XCheck>::point_with_x(x).map(p384::ProjectivePoint::from);
            let crate_says = Option::<p384::AffinePoint>::from(p384::AffinePoint::decompress(x, Choice::from(0)))
                .map(p384::ProjectivePoint::from);
            match (ours, crate_says) {
                (Some(a), Some(b)) => assert!(a == b || a == -b, "{x:02x?}"),
                (None, None) => {}
                (a, b) => panic!("{x:02x?}: chain {:?}, decompress {:?}", a.is_some(), b.is_some()),
            }
            found[usize::from(ours.is_some())] += 1;
        }
        assert!(found[0] > 50 && found[1] > 50, "{found:?}");
    }

    /// The projective check and the affine x agree for r = x(R) mod n, flipped bits of it
    /// and r values that are no point's x, on every curve (the curves' `XCheck` choose one).
    macro_rules! projective_agrees {
        ($name:ident, $c:ident, $C:ty) => {
            #[test]
            fn $name() {
                let len = FieldBytesSize::<$C>::USIZE;
                let mut agreed = [0usize; 2];
                for i in 0..64 {
                    let k = bytes2scalar::<$C>(&bytes(&format!("{} R {i}", stringify!($c)), len));
                    let point = $c::ProjectivePoint::GENERATOR * k;
                    let x = bytes2scalar::<$C>(&point.to_affine().x());
                    let mut flipped: FieldBytes<$C> = x.into();
                    flipped[i % len] ^= 1 << (i % 8);
                    for r in [x, bytes2scalar::<$C>(&flipped), x + <$c::Scalar>::from(i as u64 + 1)] {
                        let Some(r) = Option::<NonZeroScalar<$C>>::from(NonZeroScalar::new(r)) else { continue };
                        let affine = *r == x;
                        assert_eq!(x_is_r_projective(&point, &r), affine, "{} {i}", stringify!($c));
                        assert_eq!(x_is_r_projective(&-point, &r), affine, "{} −R {i}", stringify!($c));
                        agreed[usize::from(affine)] += 1;
                    }
                }
                assert_eq!(agreed[1], 64, "{}: every x(R) mod n accepted", stringify!($c));
                assert!(agreed[0] >= 64, "{}: rejections checked", stringify!($c));
            }
        };
    }

    projective_agrees!(p256_projective_x_check_agrees, p256, p256::NistP256);
    projective_agrees!(p384_projective_x_check_agrees, p384, p384::NistP384);
    projective_agrees!(p521_projective_x_check_agrees, p521, p521::NistP521);

    fn signed(seed: &str) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
        let sk = p384::ecdsa::SigningKey::from_slice(&bytes(seed, 48)).expect("secret");
        let point = sk.verifying_key().to_sec1_point(false).as_bytes().to_vec();
        let prehash = bytes(&format!("{seed} message"), 48);
        let sig: p384::ecdsa::Signature = sk.sign_prehash(&prehash).expect("sign");
        (point, prehash, sig.to_der().as_bytes().to_vec())
    }

    /// An issuer's wide table is built at its WIDE_AFTER-th check, only while the scan's budget
    /// lasts, and gives the narrow table's points before and after.
    #[test]
    fn a_wide_table_is_built_after_many_checks_within_the_budget() {
        let q = p384::ProjectivePoint::GENERATOR * p384::Scalar::from_u64(0x1234_5678_9abc_def1);
        let budget = AtomicUsize::new(1);
        let first = IssuerPoint::new(q);
        let second = IssuerPoint::new(q);
        for i in 0..=WIDE_AFTER + 2 {
            let k = p384::Scalar::from_u64((i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15).wrapping_add(1));
            assert_eq!(first.mul_vartime(&k, &budget), q * k, "check {i}");
            assert_eq!(first.is_wide(), i >= WIDE_AFTER, "check {i}");
            assert_eq!(second.mul_vartime(&k, &budget), q * k, "check {i}, no budget left");
        }
        assert!(!second.is_wide(), "the budget allowed one wide table");
        assert_eq!(budget.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_table_is_built_on_the_second_sighting_and_reused() {
        let cache = Mutex::new(Cache::new(4, 2));
        let (point, prehash, der) = signed("cache a");
        let mut bad = prehash.clone();
        bad[0] ^= 1;
        let verify =
            |prehash: &[u8]| Cache::verify(&cache, &AtomicUsize::new(MAX_WIDE), Curve::P384, &point, prehash, &der);
        assert_eq!(verify(&prehash), None, "first sighting: the crate's verify");
        assert_eq!(verify(&prehash), Some(SigCheck::Valid), "second: the table");
        assert_eq!(verify(&bad), Some(SigCheck::Invalid), "the table checks every signature");
        assert_eq!(verify(&prehash), Some(SigCheck::Valid));
        assert_eq!(cache.lock().map(|c| c.tables()).ok(), Some(1));
        // The same point on another curve is another issuer (and does not decode there).
        assert_eq!(Cache::verify(&cache, &AtomicUsize::new(MAX_WIDE), Curve::P256, &point, &prehash, &der), None);
        assert_eq!(
            Cache::verify(&cache, &AtomicUsize::new(MAX_WIDE), Curve::P256, &point, &prehash, &der),
            None,
            "no table for a bad point"
        );
    }

    #[test]
    fn the_cache_is_bounded() {
        let cache = Mutex::new(Cache::new(3, 1));
        let issuers: Vec<_> = ["bound a", "bound b", "bound c", "bound d"].map(signed).into();
        let verify = |i: usize| {
            let (point, prehash, der) = &issuers[i];
            Cache::verify(&cache, &AtomicUsize::new(MAX_WIDE), Curve::P384, point, prehash, der)
        };
        for i in 0..4 {
            assert_eq!(verify(i), None, "first sighting of {i}");
        }
        assert_eq!(verify(0), Some(SigCheck::Valid), "the one table");
        assert_eq!(verify(1), None, "tables used up");
        assert_eq!(verify(3), None, "never tracked");
        assert_eq!(verify(3), None);
        assert_eq!(verify(0), Some(SigCheck::Valid));
    }

    #[test]
    fn verify_ecdsa_uses_the_scan_cache_from_the_second_check_on() {
        let tables = EcTables::default();
        let verify_ecdsa = |curve, point: &[u8], prehash: &[u8], der: &[u8]| {
            crate::verify::ec::verify_ecdsa(&tables, curve, point, prehash, der)
        };
        let has_table = |curve, point: &[u8]| tables.has_table(curve, point);
        let (point, prehash, der) = signed("scan cache");
        assert!(!has_table(Curve::P384, &point));
        assert_eq!(verify_ecdsa(Curve::P384, &point, &prehash, &der), SigCheck::Valid);
        assert!(!has_table(Curve::P384, &point), "one check builds no table");
        assert_eq!(verify_ecdsa(Curve::P384, &point, &prehash, &der), SigCheck::Valid);
        assert!(has_table(Curve::P384, &point));
        let mut bad = der.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(verify_ecdsa(Curve::P384, &point, &prehash, &bad), SigCheck::Invalid);
        assert_eq!(verify_ecdsa(Curve::P384, &point, &prehash[1..], &der), SigCheck::Invalid);
        assert_eq!(verify_ecdsa(Curve::P384, &point, &prehash, &der), SigCheck::Valid);
        // An issuer point that does not decode stays Unchecked, seen once or again.
        let mut off_curve = point.clone();
        off_curve[10] ^= 1;
        for _ in 0..3 {
            assert!(matches!(verify_ecdsa(Curve::P384, &off_curve, &prehash, &der), SigCheck::Unchecked(_)));
        }
        // Another scan starts with no tables.
        let other = EcTables::default();
        assert!(!other.has_table(Curve::P384, &point));
        assert_eq!(crate::verify::ec::verify_ecdsa(&other, Curve::P384, &point, &prehash, &der), SigCheck::Valid);
        assert!(!other.has_table(Curve::P384, &point), "a new scan's first check builds no table");
        assert!(has_table(Curve::P384, &point));
    }
}
