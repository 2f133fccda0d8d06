// Small pieces the response schemas share.
import { z } from "zod";

export const timestamp = z.iso.datetime().describe("RFC 3339 in UTC with milliseconds");
export const count = z.int().min(0);
