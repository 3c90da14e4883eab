export interface Post {
  id: string;
  title: string;
  content: string;
  published: boolean;
  ownerId: string;
  createdAt: string;
  updatedAt: string;
}
