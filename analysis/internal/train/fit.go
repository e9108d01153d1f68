package main

import (
	"math"
	"strings"
)

// params are the knobs of one fit, chosen by cross-validation.
type params struct {
	l2Word  float64 // L2 on word and word-pair weights
	l2Cue   float64 // L2 on the weights of the category's own cues: prior knowledge, so they may move further
	l2Cross float64 // L2 on the weights of other categories' cues
	l2Lex   float64 // L2 on the weight of the category's own lexicon score
	l2Other float64 // L2 on the weights of other categories' lexicon scores
	minOrgs int     // a word feature must occur in at least this many training organisations
	posCap  float64 // positives are weighted up to balance classes, by at most this factor
	words   bool    // use words and word pairs at all
	iters   int
}

// linear is one category's fitted model.
type linear struct {
	bias float64
	lex  []float64         // per lexicon category
	w    map[int32]float64 // vocabulary id -> weight
}

func (m *linear) z(e *example) float64 {
	z := m.bias
	for i, v := range e.lex {
		z += m.lex[i] * v
	}
	for _, f := range e.feats {
		z += m.w[f]
	}
	return z
}

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// fitCategory trains a weighted, L2-regularised logistic regression for one
// category on the given examples, by L-BFGS on the full batch.
func fitCategory(cp *corpus, train []*example, excluded map[int]bool, cat string, p params, lexCats []string) *linear {
	nLex := len(lexCats)
	// Features allowed: cue features always (they are written by hand, not
	// learned), word features only when seen in enough organisations, so a
	// company's name or house style cannot be learned.
	local := map[int32]int{} // vocabulary id -> parameter index
	var ids []int32
	isCue := []bool{}
	isOwn := []bool{}
	for _, e := range train {
		for _, f := range e.feats {
			if _, ok := local[f]; ok {
				continue
			}
			key := cp.keys[f]
			cue := strings.HasPrefix(key, "c:")
			if !cue && (!p.words || cp.orgsOf[f].countExcept(excluded) < p.minOrgs) {
				local[f] = -1
				continue
			}
			local[f] = len(ids)
			ids = append(ids, f)
			isCue = append(isCue, cue)
			isOwn = append(isOwn, strings.HasPrefix(key, "c:"+cat+":"))
		}
	}
	pos, total := 0.0, 0.0
	for _, e := range train {
		total += e.weight
		if e.gold[cat] {
			pos += e.weight
		}
	}
	posW := 1.0
	if pos > 0 {
		posW = math.Min(p.posCap, math.Sqrt((total-pos)/pos))
	}
	nw := len(ids)
	dim := 1 + nLex + nw
	exLoc := make([][]int32, len(train))
	for k, e := range train {
		for _, fid := range e.feats {
			if li := local[fid]; li >= 0 {
				exLoc[k] = append(exLoc[k], int32(li))
			}
		}
	}
	sw := 0.0
	for _, e := range train {
		s := e.weight
		if e.gold[cat] {
			s *= posW
		}
		sw += s
	}
	loss := func(x, g []float64) float64 {
		clear(g)
		f := 0.0
		for k, e := range train {
			z := x[0]
			for i, v := range e.lex {
				z += x[1+i] * v
			}
			for _, li := range exLoc[k] {
				z += x[1+nLex+int(li)]
			}
			y, s := 0.0, e.weight
			if e.gold[cat] {
				y, s = 1, s*posW
			}
			s /= sw
			// log(1+e^z) - y z, computed stably
			if z > 0 {
				f += s * (z + math.Log1p(math.Exp(-z)) - y*z)
			} else {
				f += s * (math.Log1p(math.Exp(z)) - y*z)
			}
			d := s * (sigmoid(z) - y)
			g[0] += d
			for i, v := range e.lex {
				g[1+i] += d * v
			}
			for _, li := range exLoc[k] {
				g[1+nLex+int(li)] += d
			}
		}
		for i := 0; i < nLex; i++ {
			v := x[1+i]
			l2 := p.l2Other
			if lexCats[i] == cat {
				l2 = p.l2Lex
			}
			f += l2 / 2 * v * v
			g[1+i] += l2 * v
		}
		for i := 0; i < nw; i++ {
			l2 := p.l2Word
			switch {
			case isOwn[i]:
				l2 = p.l2Cue
			case isCue[i]:
				l2 = p.l2Cross
			}
			v := x[1+nLex+i]
			f += l2 / 2 * v * v
			g[1+nLex+i] += l2 * v
		}
		return f
	}
	x := make([]float64, dim)
	x[0] = math.Log(math.Max(pos*posW, 1e-3) / math.Max(total-pos, 1e-3))
	lbfgs(loss, x, p.iters)
	m := &linear{bias: x[0], lex: append([]float64(nil), x[1:1+nLex]...), w: map[int32]float64{}}
	for i, id := range ids {
		if w := x[1+nLex+i]; w != 0 {
			m.w[id] = w
		}
	}
	return m
}

// lbfgs minimises f from x in place: limited-memory BFGS with a
// backtracking (Armijo) line search. The objectives here are convex and
// smooth, so nothing cleverer is needed.
func lbfgs(f func(x, g []float64) float64, x []float64, iters int) {
	const hist = 8
	n := len(x)
	g := make([]float64, n)
	fx := f(x, g)
	var ss, ys [][]float64
	var rhos []float64
	d := make([]float64, n)
	xn := make([]float64, n)
	gn := make([]float64, n)
	alpha := make([]float64, hist)
	for it := 0; it < iters; it++ {
		// Two-loop recursion: d = -H g.
		copy(d, g)
		for k := len(ss) - 1; k >= 0; k-- {
			alpha[k] = rhos[k] * dot(ss[k], d)
			axpy(-alpha[k], ys[k], d)
		}
		if k := len(ss) - 1; k >= 0 {
			scale(dot(ss[k], ys[k])/dot(ys[k], ys[k]), d)
		} else {
			scale(1/math.Max(1, math.Sqrt(dot(g, g))), d)
		}
		for k := range ss {
			b := rhos[k] * dot(ys[k], d)
			axpy(alpha[k]-b, ss[k], d)
		}
		scale(-1, d)
		gd := dot(g, d)
		if gd >= 0 { // not a descent direction: restart from the gradient
			ss, ys, rhos = nil, nil, nil
			copy(d, g)
			scale(-1/math.Max(1, math.Sqrt(dot(g, g))), d)
			gd = dot(g, d)
		}
		step := 1.0
		var fn float64
		for ls := 0; ; ls++ {
			for i := range x {
				xn[i] = x[i] + step*d[i]
			}
			fn = f(xn, gn)
			if fn <= fx+1e-4*step*gd || ls > 30 {
				break
			}
			step /= 2
		}
		s := make([]float64, n)
		y := make([]float64, n)
		for i := range x {
			s[i] = xn[i] - x[i]
			y[i] = gn[i] - g[i]
		}
		copy(x, xn)
		copy(g, gn)
		conv := math.Abs(fx-fn) < 1e-9*math.Max(1, math.Abs(fx))
		fx = fn
		if conv {
			return
		}
		if sy := dot(s, y); sy > 1e-12 {
			if len(ss) == hist {
				ss, ys, rhos = ss[1:], ys[1:], rhos[1:]
			}
			ss, ys, rhos = append(ss, s), append(ys, y), append(rhos, 1/sy)
		}
	}
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i := range x {
		y[i] += a * x[i]
	}
}

func scale(a float64, x []float64) {
	for i := range x {
		x[i] *= a
	}
}
