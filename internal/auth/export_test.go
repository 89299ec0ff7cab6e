package auth

// Clients returns how many clients have a hash waiting or running: the turns the gate
// remembers.
func (g *Gate) Clients() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.turns)
}

// Hashes returns how many hashes of the client key wait for its turn, hold it or run.
func (g *Gate) Hashes(key string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if t := g.turns[key]; t != nil {
		return t.n
	}
	return 0
}
