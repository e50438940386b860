// Package bench holds the benchmarks that need several packages of the
// module, and what they compare against: a minimal hand-written Chatwork
// client (Baseline) built on net/http and encoding/json, and a canned
// loopback server (NewHandler) that answers both clients alike.
//
// The benchmarks live in bench_test.go; they run only with -bench. Each
// comparison is one benchmark with the sub-benchmarks client=api and
// client=baseline, so that benchstat can put them side by side:
//
//	go test -run='^$' -bench=. -benchmem -count=5 ./internal/bench > bench.out
//	benchstat -col /client bench.out
//
// The project's figures, with their targets, come from
// `go run ./internal/benchtable`, which runs these benchmarks together with
// those of packages api, api/apitest and conformance and prints one table.
package bench
