// Package checks holds repository-wide tests that look at the module from
// the outside: what a user's go.mod gains from importing it, what the
// production packages link, which packages of the module each public
// package may depend on (TestImportRules, the rules each package doc states), what git tracks, whether the README's Go
// snippets compile, whether every Example stands alone (TestExamplesStandAlone),
// how many names each public package exports (TestExportedNames)
// and whether the rendered API reference works offline in a real browser.
//
// It has no code of its own; everything is in _test.go files, so nothing
// these tests need reaches a user's build.
package checks
