/// The closest candidate within edit distance 2, for "did you mean" hints.
public func closestMatch(to word: String, in candidates: [String]) -> String? {
  var best: (String, Int)?
  for candidate in candidates {
    let distance = editDistance(Array(word.utf8), Array(candidate.utf8))
    if distance <= 2, distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
  }
  return best?.0
}

func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
  if a.isEmpty { return b.count }
  if b.isEmpty { return a.count }
  var previous = Array(0...b.count)
  var current = [Int](repeating: 0, count: b.count + 1)
  for i in 1...a.count {
    current[0] = i
    for j in 1...b.count {
      let cost = a[i - 1] == b[j - 1] ? 0 : 1
      current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
    }
    swap(&previous, &current)
  }
  return previous[b.count]
}

func didYouMean(_ word: String, _ candidates: [String]) -> String {
  closestMatch(to: word, in: candidates).map { "; did you mean \"\($0)\"?" } ?? ""
}
