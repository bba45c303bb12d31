/// Great-circle distance in kilometres (haversine, mean Earth radius 6371 km).
public func haversineKilometres(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> Double {
  let radians = Double.pi / 180
  let dLat = (lat2 - lat1) * radians
  let dLon = (lon2 - lon1) * radians
  let a = sinHalfSquared(dLat) + cosine(lat1 * radians) * cosine(lat2 * radians) * sinHalfSquared(dLon)
  return 2 * 6371.0 * arcsinSqrt(min(1, max(0, a)))
}

/// Bounds on `haversineKilometres` that need no trigonometry, so callers skip it when the answer
/// cannot matter. Upper: the length of a real path between the points (along a meridian, then a
/// parallel, whose length is at most that of the equator's arc). Lower: the latitude difference
/// alone, since no path changes latitude faster than it travels. Widened by a hair for rounding.
public func kilometreBounds(_ lat1: Double, _ lon1: Double, _ lat2: Double, _ lon2: Double) -> (lower: Double, upper: Double) {
  let kilometresPerDegree = 6371.0 * Double.pi / 180
  let dLat = abs(lat2 - lat1)
  var dLon = abs(lon2 - lon1)
  // Longitudes within ±180 differ by at most 360, which the remainder leaves as it is: the
  // remainder (a call to `fmod`, twice an event in travel checks) only for any beyond that.
  if dLon >= 360 { dLon = dLon.truncatingRemainder(dividingBy: 360) }
  if dLon > 180 { dLon = 360 - dLon }
  let lower = dLat * kilometresPerDegree
  let upper = (dLat + dLon) * kilometresPerDegree
  return (lower * (1 - 1e-9) - 1e-6, upper * (1 + 1e-9) + 1e-6)
}

// The stdlib has no trigonometry without Foundation/Glibc, so the core carries its own small
// implementations. Accuracy (~1e-12 relative) is far beyond what geolocation needs.

private func sinHalfSquared(_ x: Double) -> Double {
  let s = sine(x / 2)
  return s * s
}

func sine(_ x: Double) -> Double {
  // Reduce to [-pi, pi], then a Taylor series that converges fast on that range.
  var r = x.truncatingRemainder(dividingBy: 2 * Double.pi)
  if r > Double.pi { r -= 2 * Double.pi } else if r < -Double.pi { r += 2 * Double.pi }
  var term = r
  var sum = r
  let r2 = r * r
  var n = 1.0
  for _ in 0..<20 {
    term *= -r2 / ((n + 1) * (n + 2))
    sum += term
    n += 2
  }
  return sum
}

func cosine(_ x: Double) -> Double { sine(x + Double.pi / 2) }

/// asin(sqrt(a)) for a in [0, 1], via atan2-free Newton iteration on sin(y) = sqrt(a).
private func arcsinSqrt(_ a: Double) -> Double {
  let target = a.squareRoot()
  if target >= 1 { return Double.pi / 2 }
  var y = target  // asin(x) ≈ x near 0; Newton converges on [0, pi/2)
  for _ in 0..<60 {
    let f = sine(y) - target
    let derivative = cosine(y)
    if derivative < 1e-12 { break }
    let step = f / derivative
    y -= step
    if y > Double.pi / 2 { y = Double.pi / 2 }
    if abs(step) < 1e-15 { break }
  }
  return y
}
