import { initTRPC, TRPCError } from "@trpc/server";
import type { ServiceClient, TokenVerifier, VerifiedAccessToken } from "@warden/client";
import { z } from "zod";

/** What each request knows: who the Warden token says the caller is, if anyone. */
export interface NotesContext {
  readonly caller: VerifiedAccessToken | null;
  readonly warden: ServiceClient;
  readonly notes: NoteStore;
}

export interface Note {
  id: number;
  text: string;
  authorId: string;
  createdAt: string;
}

/** In memory: the example is about authentication, not storage. */
export class NoteStore {
  readonly #notes: Note[] = [];

  add(authorId: string, text: string): Note {
    const note = {
      id: this.#notes.length + 1,
      text,
      authorId,
      createdAt: new Date().toISOString(),
    };
    this.#notes.push(note);
    return note;
  }

  all(): readonly Note[] {
    return this.#notes;
  }
}

const t = initTRPC.context<NotesContext>().create();

/** A Warden *user* token, verified locally against Warden's JWKS (no call to Warden). */
const userProcedure = t.procedure.use(({ ctx, next }) => {
  if (ctx.caller?.kind !== "user")
    throw new TRPCError({ code: "UNAUTHORIZED", message: "a Warden user token is required" });
  return next({ ctx: { userId: ctx.caller.claims.sub } });
});

export const notesRouter = t.router({
  notes: t.router({
    create: userProcedure
      .input(z.object({ text: z.string().min(1).max(1000) }))
      .mutation(({ ctx, input }) => ctx.notes.add(ctx.userId, input.text)),

    /** Every note with its author's public profile, looked up in Warden with this service's own token. */
    list: userProcedure.query(async ({ ctx }) => {
      const notes = ctx.notes.all();
      const authorIds = [...new Set(notes.map((note) => note.authorId))];
      const authors = new Map(
        await Promise.all(
          authorIds.map(async (id) => [id, await ctx.warden.api.users.byId.query({ id })] as const),
        ),
      );
      return notes.map((note) => ({ ...note, author: authors.get(note.authorId) ?? null }));
    }),
  }),
});

export type NotesRouter = typeof notesRouter;

/** The Authorization header's bearer token, verified; null when absent or refused. */
export async function callerOf(
  verifier: TokenVerifier,
  authorization: string | undefined,
): Promise<VerifiedAccessToken | null> {
  const token = /^Bearer (\S+)$/.exec(authorization ?? "")?.[1];
  if (!token) return null;
  return verifier.verify(token).catch(() => null);
}
