package geo

import (
	"math"
	"math/big"
)

// ccwErrBoundA bounds the rounding error of the floating-point orientation determinant relative to
// the sum of the magnitudes of its two products (Shewchuk, "Adaptive Precision Floating-Point
// Arithmetic and Fast Robust Geometric Predicates", 1997: (3 + 16ε)ε with ε = 2⁻⁵³).
const ccwErrBoundA = (3.0 + 16.0*0x1p-53) * 0x1p-53

// orient returns +1 if c lies to the left of the directed line a→b (a, b, c counter-clockwise),
// -1 if to the right and 0 if the three points are collinear. The sign is exact for all finite
// inputs: the floating-point determinant is trusted only when it exceeds its error bound, and the
// rare near-degenerate case is recomputed exactly with math/big. Exactness is what lets Contains
// and the Index agree bit for bit on points lying on an edge. Non-finite input gives 0.
func orient(ax, ay, bx, by, cx, cy float64) int {
	detLeft := (ax - cx) * (by - cy)
	detRight := (ay - cy) * (bx - cx)
	det := detLeft - detRight
	bound := ccwErrBoundA * (math.Abs(detLeft) + math.Abs(detRight))
	if det > bound && bound > 1e-290 {
		return 1
	}
	if -det > bound && bound > 1e-290 {
		return -1
	}
	// Exactly zero products come from equal coordinates (x-y is 0 only when x == y): no need for
	// the slow path, which points on vertices and axis-parallel edges would otherwise hit often.
	if (ax == cx || by == cy) && (ay == cy || bx == cx) {
		return 0
	}
	return orientExact(ax, ay, bx, by, cx, cy)
}

func orientExact(ax, ay, bx, by, cx, cy float64) int {
	for _, v := range [...]float64{ax, ay, bx, by, cx, cy} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0
		}
	}
	r := func(v float64) *big.Rat { return new(big.Rat).SetFloat64(v) }
	acx := new(big.Rat).Sub(r(ax), r(cx))
	bcy := new(big.Rat).Sub(r(by), r(cy))
	acy := new(big.Rat).Sub(r(ay), r(cy))
	bcx := new(big.Rat).Sub(r(bx), r(cx))
	left := new(big.Rat).Mul(acx, bcy)
	right := new(big.Rat).Mul(acy, bcx)
	return left.Cmp(right)
}

// crossesRight reports whether the edge a–b is crossed by the ray from p towards +longitude, under
// the half-open rule: the edge counts when exactly one endpoint lies strictly above p (so a vertex
// counts for the edge that leaves it upwards, and horizontal edges never count) and p lies
// strictly left of it. The edge is put in a canonical order first so that the two polygons
// sharing it compute the identical predicate.
func crossesRight(ax, ay, bx, by, px, py float64) bool {
	if (ay > py) == (by > py) {
		return false
	}
	if ay > by {
		ax, ay, bx, by = bx, by, ax, ay
	}
	return orient(ax, ay, bx, by, px, py) > 0
}
