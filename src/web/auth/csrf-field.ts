// The form field name, apart from the middleware so the layout can import it without a cycle.
export const CSRF_FIELD = "_csrf";
