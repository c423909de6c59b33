package plugin

import "time"

var cleanSteps = []time.Duration{
	1 * time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 15 * time.Second, 30 * time.Second,
	time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// chooseStep returns max(1 s, range/maxDataPoints, minInterval) rounded up to a clean step,
// coarse enough that no series exceeds maxPoints (VictoriaMetrics' -search.maxPointsPerTimeseries).
func chooseStep(from, to time.Time, maxDataPoints int64, minInterval time.Duration, maxPoints int) time.Duration {
	rng := to.Sub(from)
	if maxDataPoints <= 0 {
		maxDataPoints = 1000
	}
	want := rng / time.Duration(maxDataPoints)
	if minInterval > want {
		want = minInterval
	}
	if floor := rng / time.Duration(maxPoints-1); floor > want {
		want = floor
	}
	for _, s := range cleanSteps {
		if s >= want {
			return s
		}
	}
	day := 24 * time.Hour
	return (want + day - 1) / day * day
}
