// Stands in for the "server-only" package in unit tests, which run outside Next's react-server
// condition (where the real package is empty); the modules under test are server code either way.
export {};
