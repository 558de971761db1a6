package linli

import "context"

type actorKey struct{}

// WithActor returns a context carrying the authenticated actor. Only the
// authentication middleware calls it, from the session or API token.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the authenticated actor, if any.
func ActorFrom(ctx context.Context) (Actor, bool) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	return a, ok
}
