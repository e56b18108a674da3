//! The learned part of triage: multinomial logistic regression over sparse TF-IDF features, trained
//! by SGD when a pack loads. Pure Rust, deterministic (fixed shuffling seed), no model download.

use super::features::Sparse;

/// Training settings. The defaults were chosen on the public datasets' validation splits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainConfig {
    pub epochs: usize,
    /// Initial learning rate.
    pub learning_rate: f32,
    /// L2 regularisation strength.
    pub l2: f32,
    /// Seed of the example shuffling.
    pub seed: u64,
    /// Weigh classes equally in the loss, whatever their number of examples.
    pub balanced: bool,
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 30,
            learning_rate: 1.0,
            l2: 1e-6,
            seed: 0x9e37_79b9_7f4a_7c15,
            balanced: true,
        }
    }
}

/// Weights laid out feature-major (`weights[f * classes + c]`) so scoring a message touches one
/// contiguous row per active feature.
#[derive(Debug, Clone, Default)]
pub struct Linear {
    pub classes: usize,
    weights: Vec<f32>,
    bias: Vec<f32>,
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// In-place softmax; returns nothing, leaves probabilities in `s`.
pub fn softmax(s: &mut [f32]) {
    let max = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for v in s.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    if sum > 0.0 {
        for v in s.iter_mut() {
            *v /= sum;
        }
    }
}

/// Training's logits of one example: `p = b + (v1 * scale) * w1 + (v2 * scale) * w2 + ...` per
/// class, in feature order as before, but `B` classes at a time held in registers across all
/// features (the same operations in the same order, so the same bits; see `Linear::scores`).
#[inline(always)]
fn forward_blocked<const B: usize>(w: &[f32], b: &[f32], x: &Sparse, scale: f32, p: &mut [f32]) {
    let c = b.len();
    let mut start = 0;
    while start + B <= c {
        let mut acc = [0f32; B];
        acc.copy_from_slice(&b[start..start + B]);
        for &(f, v) in x {
            let base = f as usize * c + start;
            let row: &[f32; B] = w[base..base + B].try_into().expect("block within the row");
            let v = v * scale;
            for (a, wc) in acc.iter_mut().zip(row) {
                *a += v * wc;
            }
        }
        p[start..start + B].copy_from_slice(&acc);
        start += B;
    }
    let rest = &mut p[start..];
    rest.copy_from_slice(&b[start..]);
    for &(f, v) in x {
        let row = &w[f as usize * c + start..(f as usize + 1) * c];
        let v = v * scale;
        for (pc, wc) in rest.iter_mut().zip(row) {
            *pc += v * wc;
        }
    }
}

impl Linear {
    /// Trains on `xs` with labels `ys` in `0..classes`.
    ///
    /// The per-class loops run on the widest vectors the CPU has, the logits summed in register
    /// blocks (`forward_blocked`). Each class's value is computed by the same multiplies and adds
    /// in the same order on every path (no fused multiply-add, no reordered sums), so the weights
    /// are the same bit for bit; a pack with hundreds of intents loads several times faster.
    pub fn train(
        xs: &[Sparse],
        ys: &[usize],
        features: usize,
        classes: usize,
        cfg: &TrainConfig,
    ) -> Linear {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F (checked just above).
                return unsafe { Self::train_avx512(xs, ys, features, classes, cfg) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (checked just above).
                return unsafe { Self::train_avx2(xs, ys, features, classes, cfg) };
            }
        }
        Self::train_portable::<32>(xs, ys, features, classes, cfg)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn train_avx512(
        xs: &[Sparse],
        ys: &[usize],
        features: usize,
        classes: usize,
        cfg: &TrainConfig,
    ) -> Linear {
        Self::train_portable::<128>(xs, ys, features, classes, cfg)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn train_avx2(
        xs: &[Sparse],
        ys: &[usize],
        features: usize,
        classes: usize,
        cfg: &TrainConfig,
    ) -> Linear {
        Self::train_portable::<64>(xs, ys, features, classes, cfg)
    }

    #[inline(always)]
    fn train_portable<const B: usize>(
        xs: &[Sparse],
        ys: &[usize],
        features: usize,
        classes: usize,
        cfg: &TrainConfig,
    ) -> Linear {
        let mut w = vec![0f32; features * classes];
        let mut b = vec![0f32; classes];
        // The weights actually used are scale * w: L2 decay multiplies `scale` instead of every weight.
        let mut scale = 1.0f64;
        let mut order: Vec<usize> = (0..xs.len()).collect();
        let mut rng = XorShift(cfg.seed | 1);
        let mut p = vec![0f32; classes];
        let lambda = cfg.l2 as f64;
        let mut t = 0f64;
        // Balanced: each class weighs as much in the loss as any other, however many examples it has.
        let mut counts = vec![0f32; classes];
        for &y in ys {
            counts[y] += 1.0;
        }
        let class_weight: Vec<f32> = counts
            .iter()
            .map(|&c| {
                if c > 0.0 {
                    ys.len() as f32 / (classes as f32 * c)
                } else {
                    0.0
                }
            })
            .collect();
        let total = (cfg.epochs * xs.len()) as f64;
        for _ in 0..cfg.epochs {
            for i in (1..order.len()).rev() {
                order.swap(i, (rng.next() % (i as u64 + 1)) as usize);
            }
            for &i in &order {
                let x = &xs[i];
                let lr = cfg.learning_rate as f64 * (1.0 - t / total).max(0.02);
                t += 1.0;
                forward_blocked::<B>(&w, &b, x, scale as f32, &mut p);
                softmax(&mut p);
                p[ys[i]] -= 1.0;
                if cfg.balanced {
                    for v in p.iter_mut() {
                        *v *= class_weight[ys[i]];
                    }
                }
                scale *= 1.0 - lr * lambda;
                if scale < 1e-3 {
                    for v in w.iter_mut() {
                        *v *= scale as f32;
                    }
                    scale = 1.0;
                }
                let step = (lr / scale) as f32;
                for &(f, v) in x {
                    let row = &mut w[f as usize * classes..(f as usize + 1) * classes];
                    let g = step * v;
                    for (wc, pc) in row.iter_mut().zip(&p) {
                        *wc -= g * pc;
                    }
                }
                for (bc, pc) in b.iter_mut().zip(&p) {
                    *bc -= lr as f32 * pc;
                }
            }
        }
        for v in w.iter_mut() {
            *v *= scale as f32;
        }
        Linear {
            classes,
            weights: w,
            bias: b,
        }
    }

    /// Raw class scores (logits) of `x` into `out` (length `classes`).
    ///
    /// Each logit is `bias + v1 * w1 + v2 * w2 + ...` in feature order, multiplied and added
    /// separately (no fused multiply-add), so the result is the same bit for bit on every path.
    pub fn scores(&self, x: &[(u32, f32)], out: &mut [f32]) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                // SAFETY: the CPU supports AVX-512F (checked just above).
                return unsafe { self.scores_avx512(x, out) };
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU supports AVX2 (checked just above).
                return unsafe { self.scores_avx2(x, out) };
            }
        }
        self.scores_blocked::<32>(x, out)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    unsafe fn scores_avx512(&self, x: &[(u32, f32)], out: &mut [f32]) {
        self.scores_blocked::<128>(x, out)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn scores_avx2(&self, x: &[(u32, f32)], out: &mut [f32]) {
        self.scores_blocked::<64>(x, out)
    }

    /// Scores `B` classes at a time with their sums held in registers across all features, instead
    /// of loading and storing every logit once per feature (with hundreds of classes that traffic
    /// cost more than the arithmetic).
    #[inline(always)]
    fn scores_blocked<const B: usize>(&self, x: &[(u32, f32)], out: &mut [f32]) {
        let c = self.classes;
        let mut start = 0;
        while start + B <= c {
            let mut acc = [0f32; B];
            acc.copy_from_slice(&self.bias[start..start + B]);
            for &(f, v) in x {
                let base = f as usize * c + start;
                let row: &[f32; B] = self.weights[base..base + B]
                    .try_into()
                    .expect("block within the row");
                for (a, w) in acc.iter_mut().zip(row) {
                    *a += v * w;
                }
            }
            out[start..start + B].copy_from_slice(&acc);
            start += B;
        }
        let rest = &mut out[start..];
        rest.copy_from_slice(&self.bias[start..]);
        for &(f, v) in x {
            let row = &self.weights[f as usize * c + start..(f as usize + 1) * c];
            for (o, w) in rest.iter_mut().zip(row) {
                *o += v * w;
            }
        }
    }

    /// The weight of feature `f` for class `c`.
    pub fn weight(&self, f: u32, c: usize) -> f32 {
        self.weights[f as usize * self.classes + c]
    }

    /// Bytes held by the weights.
    pub fn size_bytes(&self) -> usize {
        (self.weights.len() + self.bias.len()) * 4
    }
}
