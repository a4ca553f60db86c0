// The change-point survival model with tau marginalized over its grid.
// Poisson on the exposure table per (fine piece, arm), constants dropped; the control arm
// does not depend on tau, the treated arm is summed per candidate with cumulative sums.
// The ARRAY_INT_* declarations are filled in by stan_changepoint.R (array syntax differs
// before and after Stan 2.26).
data {
  int<lower=1> K;                        // fine pieces
  int<lower=1> B;                        // baseline pieces
  int<lower=1> G;                        // grid points for tau
  ARRAY_INT_K bp;                        // baseline piece of each fine piece
  ARRAY_INT_K2 y;                        // events: control, treated
  matrix<lower=0>[K, 2] x;               // person-time: control, treated
  ARRAY_INT_G first_after;               // first fine piece after each candidate tau
  simplex[G] w;                          // prior weights of tau
  vector[G] grid;
  real mu0;                              // centre of the first log baseline hazard
}
transformed data {
  vector[G] log_w = log(w);
}
parameters {
  vector[B] lb;                          // log baseline hazard per baseline piece
  real before;                           // log HR up to tau
  real after;                            // log HR after tau
}
transformed parameters {
  vector[G] lp;                          // log prior + treated log-likelihood, per tau
  real ll_control;
  {
    vector[K] eta = lb[bp];
    vector[K] y0 = to_vector(y[, 1]);
    vector[K] y1 = to_vector(y[, 2]);
    // cumulative treated log-likelihood of the first pieces under each regime
    vector[K + 1] c_before = append_row(0, cumulative_sum(
        y1 .* (eta + before) - col(x, 2) .* exp(eta + before)));
    vector[K + 1] c_after = append_row(0, cumulative_sum(
        y1 .* (eta + after) - col(x, 2) .* exp(eta + after)));
    ll_control = dot_product(y0, eta) - dot_product(col(x, 1), exp(eta));
    for (g in 1:G) {
      int f = first_after[g];
      lp[g] = log_w[g] + c_before[f] + c_after[K + 1] - c_after[f];
    }
  }
}
model {
  lb[1] ~ normal(mu0, 2);
  lb[2:B] ~ normal(lb[1:(B - 1)], 1);    // random walk
  before ~ normal(0, 1);
  after ~ normal(0, 1);
  target += ll_control + log_sum_exp(lp);
}
generated quantities {
  vector[G] tau_prob = softmax(lp);      // posterior of tau given the other parameters
  real tau = grid[categorical_rng(tau_prob)];
}
