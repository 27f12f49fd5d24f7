import { z } from 'zod';

// The Git LFS lock API's request bodies and list query (git-lfs's own spec), as this server
// bounds them: used by the routes and the OpenAPI document.

const ref = z.object({ name: z.string().max(1024) }).partial().optional();
export const createSchema = z.object({ path: z.string().min(1).max(1024), ref });
export const verifySchema = z.object({ cursor: z.string().max(2048).optional(), limit: z.number().int().min(1).optional(), ref });
export const unlockSchema = z.object({ force: z.boolean().optional(), ref }).optional();
export const listQuery = z.object({
  path: z.string().max(1024).optional(),
  id: z.string().max(200).optional(),
  cursor: z.string().max(2048).optional(),
  limit: z.coerce.number().int().min(1).optional(),
  refspec: z.string().max(1024).optional(),
});
